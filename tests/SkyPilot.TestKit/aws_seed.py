"""Seeds IAM users in a moto server for the AWS tests: reads one JSON request on stdin
({"endpoint": ..., "users": [{"name": ..., "policy": {...}}]}), prints {"name": {"key": ..., "secret": ..., "arn": ...}}.
boto3 talks to moto the way any AWS client would (signed, through endpoint_url)."""
import json
import sys

import boto3

request = json.load(sys.stdin)
iam = boto3.client("iam", endpoint_url=request["endpoint"], region_name="us-east-1",
                   aws_access_key_id="AKIASEEDSEEDSEEDSEED", aws_secret_access_key="seed")
out = {}
for user in request["users"]:
    name = user["name"]
    created = iam.create_user(UserName=name)["User"]
    iam.put_user_policy(UserName=name, PolicyName=name + "-policy", PolicyDocument=json.dumps(user["policy"]))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    out[name] = {"key": key["AccessKeyId"], "secret": key["SecretAccessKey"], "arn": created["Arn"]}
for role in request.get("roles", []):
    created = iam.create_role(RoleName=role["name"], AssumeRolePolicyDocument=json.dumps(role["trust"]))["Role"]
    iam.put_role_policy(RoleName=role["name"], PolicyName=role["name"] + "-policy", PolicyDocument=json.dumps(role["policy"]))
    out[role["name"]] = {"arn": created["Arn"]}
json.dump(out, sys.stdout)
