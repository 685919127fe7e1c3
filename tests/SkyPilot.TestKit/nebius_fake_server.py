"""A loopback Nebius IAM served by real grpcio (h2c, 127.0.0.1, OS-assigned port), for tests.

It checks a hand-written gRPC client against gRPC itself: the framing, metadata, status codes and
trailers-only error responses all come from grpcio; only the protobuf messages are encoded by hand
(raw-bytes handlers through grpc.method_handlers_generic_handler, no generated code).

Field numbers, from the public nebius/api repository (nebius/iam/v1/*.proto, nebius/common/v1/metadata.proto):
  ListProjectsRequest    parent_id=1 (string) page_size=2 (int64) page_token=3 (string) filter=4 (string)
  ListProjectsResponse   items=1 (repeated Container) next_page_token=2 (string, never sent: one page)
  Container              metadata=1 (ResourceMetadata) spec=2 (ContainerSpec) status=3 (ContainerStatus)
  ResourceMetadata       id=1 parent_id=2 name=3 resource_version=4 (int64)
  GetProfileRequest      (empty)
  GetProfileResponse     oneof profile: user_profile=1 service_account_profile=2 anonymous_profile=3
  UserProfile            id=1 federation_info=2 attributes=3 (oneof with retrieving_error=4) tenants=5 (repeated)
  UserAttributes         email=6 (also sub=20 name=1 given_name=2 family_name=3 preferred_username=4)
  UserTenantInfo         tenant_id=1 tenant_user_account_id=2
  ServiceAccountProfile  info=1 (ServiceAccount)       ServiceAccount  metadata=1 spec=2 status=3
  ExchangeTokenRequest   grant_type=1 requested_token_type=2 subject_token=3 subject_token_type=4
                         scopes=5 audience=6 actor_token=7 actor_token_type=8 resource=9
  CreateTokenResponse    access_token=1 issued_token_type=2 token_type=3 expires_in=4 (int64) scopes=5

Control: one JSON command per stdin line, one JSON answer per stdout line; the first stdout line is {"port": N}.
  add_token {token, tenant, subject, kind: user|service_account, email?, expired?}
  add_tenant {tenant, projects: [{id, name}]}
  add_sa_key {sa_id, kid, tenant, public_key_pem}
  set_token_lifetime {seconds}
  fail {method, code, message, times?}      the next `times` calls of method answer this status (trailers-only)
  delay {method, ms, times?}                the next `times` calls of method wait ms first (until the deadline)
  calls {}                                  -> {"ok": true, "calls": [{method, authorization (bool), parent_id,
                                               kid, deadline_seconds, code (null while in progress)}]};
                                               never contains token values
End of stdin stops the server.
"""

import base64
import hashlib
import json
import secrets
import sys
import threading
import time
from concurrent import futures

import grpc

PROJECT_LIST = "/nebius.iam.v1.ProjectService/List"
PROFILE_GET = "/nebius.iam.v1.ProfileService/Get"
TOKEN_EXCHANGE = "/nebius.iam.v1.TokenExchangeService/Exchange"
METHODS = (PROJECT_LIST, PROFILE_GET, TOKEN_EXCHANGE)

GRANT_TYPE = "urn:ietf:params:oauth:grant-type:token-exchange"
JWT_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:jwt"
ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"

CODES = {code.value[0]: code for code in grpc.StatusCode}


# ---- protobuf, by hand -------------------------------------------------------------------------

class Malformed(Exception):
    pass


def _varint(value):
    value &= (1 << 64) - 1
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def pb_bytes(number, payload):
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def pb_string(number, text):
    return pb_bytes(number, text.encode("utf-8")) if text else b""


def pb_int(number, value):
    return _varint(number << 3) + _varint(value) if value else b""


def _read_varint(buf, pos):
    result = 0
    shift = 0
    while True:
        if pos >= len(buf) or shift > 63:
            raise Malformed("truncated varint")
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return result & ((1 << 64) - 1), pos


def pb_parse(buf):
    """Returns {field number: [(wire type, value)]}; LEN values are bytes, VARINT values ints."""
    fields = {}
    pos = 0
    while pos < len(buf):
        key, pos = _read_varint(buf, pos)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise Malformed("field number 0")
        if wire == 0:
            value, pos = _read_varint(buf, pos)
        elif wire == 1:
            value, pos = buf[pos:pos + 8], pos + 8
        elif wire == 2:
            length, pos = _read_varint(buf, pos)
            value, pos = buf[pos:pos + length], pos + length
        elif wire == 5:
            value, pos = buf[pos:pos + 4], pos + 4
        else:
            raise Malformed("unsupported wire type %d" % wire)
        if pos > len(buf):
            raise Malformed("truncated field %d" % number)
        fields.setdefault(number, []).append((wire, value))
    return fields


def pb_get_string(fields, number):
    values = fields.get(number)
    if not values:
        return ""
    wire, value = values[-1]
    if wire != 2:
        raise Malformed("field %d is not length-delimited" % number)
    try:
        return bytes(value).decode("utf-8")
    except UnicodeDecodeError:
        raise Malformed("field %d is not UTF-8" % number)


def resource_metadata(id_, parent_id, name):
    return pb_string(1, id_) + pb_string(2, parent_id) + pb_string(3, name)


# ---- RS256 -------------------------------------------------------------------------------------

def _b64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _der_next(buf, pos):
    tag = buf[pos]
    length = buf[pos + 1]
    pos += 2
    if length & 0x80:
        count = length & 0x7F
        length = int.from_bytes(buf[pos:pos + count], "big")
        pos += count
    return tag, buf[pos:pos + length], pos + length


def _public_numbers(pem):
    """(n, e) from a SubjectPublicKeyInfo ("PUBLIC KEY") or PKCS#1 ("RSA PUBLIC KEY") PEM."""
    body = "".join(line for line in pem.strip().splitlines() if not line.startswith("-----"))
    der = base64.b64decode(body)
    _, seq, _ = _der_next(der, 0)
    tag, first, rest = _der_next(seq, 0)
    if tag == 0x30:  # SubjectPublicKeyInfo: AlgorithmIdentifier, then BIT STRING holding RSAPublicKey
        _, bits, _ = _der_next(seq, rest)
        _, seq, _ = _der_next(bits[1:], 0)
    _, n, pos = _der_next(seq, 0)
    _, e, _ = _der_next(seq, pos)
    return int.from_bytes(n, "big"), int.from_bytes(e, "big")


_SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")


def rs256_verify(public_key_pem, signed, signature):
    try:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import padding
    except ImportError:
        n, e = _public_numbers(public_key_pem)
        size = (n.bit_length() + 7) // 8
        if len(signature) != size:
            return False
        digest = _SHA256_DIGEST_INFO + hashlib.sha256(signed).digest()
        expected = b"\x00\x01" + b"\xff" * (size - len(digest) - 3) + b"\x00" + digest
        return pow(int.from_bytes(signature, "big"), e, n).to_bytes(size, "big") == expected
    key = serialization.load_pem_public_key(public_key_pem.encode("ascii"))
    try:
        key.verify(signature, signed, padding.PKCS1v15(), hashes.SHA256())
        return True
    except InvalidSignature:
        return False


# ---- the services ------------------------------------------------------------------------------

class Abort(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.tokens = {}  # token -> {tenant, subject, kind, email, expires_at (None = never), expired}
        self.tenants = {}  # tenant -> [project dicts]
        self.sa_keys = {}  # kid -> {sa_id, tenant, pem}
        self.token_lifetime = 12 * 3600
        self.faults = {method: [] for method in METHODS}
        self.calls = []

    def take_fault(self, method):
        with self.lock:
            queue = self.faults[method]
            if not queue:
                return None
            fault = queue[0]
            fault["times"] -= 1
            if fault["times"] <= 0:
                queue.pop(0)
            return fault


STATE = State()


def _authenticate(context):
    header = None
    for key, value in context.invocation_metadata():
        if key == "authorization":
            header = value
    if header is None or not header.startswith("Bearer "):
        raise Abort(grpc.StatusCode.UNAUTHENTICATED, "invalid token")
    token = header[len("Bearer "):].strip()
    with STATE.lock:
        identity = STATE.tokens.get(token)
    if identity is None:
        raise Abort(grpc.StatusCode.UNAUTHENTICATED, "invalid token")
    if identity["expired"] or (identity["expires_at"] is not None and time.time() >= identity["expires_at"]):
        raise Abort(grpc.StatusCode.UNAUTHENTICATED, "token expired")
    return identity


def list_projects(request, context, record):
    identity = _authenticate(context)
    parent_id = pb_get_string(pb_parse(request), 1)
    record["parent_id"] = parent_id
    if not parent_id:
        raise Abort(grpc.StatusCode.INVALID_ARGUMENT, "parent_id is required")
    with STATE.lock:
        projects = STATE.tenants.get(parent_id)
        projects = list(projects) if projects is not None else None
    if projects is None:
        raise Abort(grpc.StatusCode.NOT_FOUND, "tenant %s not found" % parent_id)
    if identity["tenant"] != parent_id:
        raise Abort(grpc.StatusCode.PERMISSION_DENIED, "permission denied for tenant %s" % parent_id)
    # One page: the module asks for 100 projects and never pages.
    return b"".join(pb_bytes(1, pb_bytes(1, resource_metadata(p["id"], parent_id, p["name"]))) for p in projects)


def get_profile(request, context, record):
    identity = _authenticate(context)
    pb_parse(request)
    if identity["kind"] == "service_account":
        metadata = resource_metadata(identity["subject"], identity["tenant"], identity["subject"])
        return pb_bytes(2, pb_bytes(1, pb_bytes(1, metadata)))
    profile = pb_string(1, identity["subject"])
    if identity.get("email"):
        profile += pb_bytes(3, pb_string(6, identity["email"]))
    account = "tenantuseraccount-" + hashlib.sha256((identity["tenant"] + identity["subject"]).encode()).hexdigest()[:16]
    profile += pb_bytes(5, pb_string(1, identity["tenant"]) + pb_string(2, account))
    return pb_bytes(1, profile)


def exchange(request, context, record):
    fields = pb_parse(request)
    grant_type = pb_get_string(fields, 1)
    requested = pb_get_string(fields, 2)
    subject_token = pb_get_string(fields, 3)
    subject_type = pb_get_string(fields, 4)
    if grant_type != GRANT_TYPE:
        raise Abort(grpc.StatusCode.INVALID_ARGUMENT, "unsupported grant_type")
    if requested and requested != ACCESS_TOKEN_TYPE:
        raise Abort(grpc.StatusCode.INVALID_ARGUMENT, "unsupported requested_token_type")
    if subject_type != JWT_TOKEN_TYPE:
        raise Abort(grpc.StatusCode.INVALID_ARGUMENT, "unsupported subject_token_type")
    if not subject_token:
        raise Abort(grpc.StatusCode.INVALID_ARGUMENT, "subject_token is required")
    parts = subject_token.split(".")
    if len(parts) != 3:
        raise Abort(grpc.StatusCode.INVALID_ARGUMENT, "subject_token is not a JWT")
    try:
        header = json.loads(_b64url(parts[0]))
        claims = json.loads(_b64url(parts[1]))
        signature = _b64url(parts[2])
    except ValueError:
        raise Abort(grpc.StatusCode.INVALID_ARGUMENT, "subject_token is not a JWT")
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise Abort(grpc.StatusCode.INVALID_ARGUMENT, "subject_token is not a JWT")
    kid = header.get("kid")
    record["kid"] = kid if isinstance(kid, str) else None
    if header.get("alg") != "RS256":
        raise Abort(grpc.StatusCode.UNAUTHENTICATED, "JWT alg must be RS256")
    with STATE.lock:
        key = STATE.sa_keys.get(kid) if isinstance(kid, str) else None
    if key is None:
        raise Abort(grpc.StatusCode.UNAUTHENTICATED, "unknown key id")
    if not rs256_verify(key["pem"], (parts[0] + "." + parts[1]).encode("ascii"), signature):
        raise Abort(grpc.StatusCode.UNAUTHENTICATED, "JWT signature verification failed")
    if claims.get("iss") != key["sa_id"] or claims.get("sub") != key["sa_id"]:
        raise Abort(grpc.StatusCode.UNAUTHENTICATED, "JWT iss and sub must both be the key's service account")
    exp = claims.get("exp")
    if not isinstance(exp, (int, float)) or isinstance(exp, bool):
        raise Abort(grpc.StatusCode.INVALID_ARGUMENT, "JWT exp claim is required")
    if exp <= time.time():
        raise Abort(grpc.StatusCode.UNAUTHENTICATED, "JWT expired")
    token = "ne1fake" + secrets.token_urlsafe(32)
    with STATE.lock:
        lifetime = STATE.token_lifetime
        STATE.tokens[token] = {
            "tenant": key["tenant"], "subject": key["sa_id"], "kind": "service_account",
            "email": None, "expired": False, "expires_at": time.time() + lifetime,
        }
    return (pb_string(1, token) + pb_string(2, ACCESS_TOKEN_TYPE) + pb_string(3, "Bearer")
            + pb_int(4, lifetime))


def _handler(method, implementation):
    def handle(request, context):
        record = {
            "method": method,
            "authorization": any(key == "authorization" for key, _ in context.invocation_metadata()),
            "parent_id": None,
            "kid": None,
            "deadline_seconds": None,
            "code": None,  # None while the call is in progress
        }
        remaining = context.time_remaining()
        if remaining < 1e6:
            record["deadline_seconds"] = round(remaining, 3)
        with STATE.lock:
            STATE.calls.append(record)
        try:
            fault = STATE.take_fault(method)
            if fault is not None and fault["kind"] == "delay":
                until = time.monotonic() + fault["ms"] / 1000.0
                while time.monotonic() < until and context.is_active():
                    time.sleep(min(0.01, max(0.0, until - time.monotonic())))
                if not context.is_active():
                    record["code"] = grpc.StatusCode.DEADLINE_EXCEEDED.value[0] if context.time_remaining() <= 0 \
                        else grpc.StatusCode.CANCELLED.value[0]
                    raise Abort(CODES[record["code"]], "call ended while delayed")
            elif fault is not None:
                raise Abort(CODES[fault["code"]], fault["message"])
            response = implementation(bytes(request), context, record)
            record["code"] = 0
            return response
        except Malformed as error:
            record["code"] = grpc.StatusCode.INTERNAL.value[0]
            context.abort(grpc.StatusCode.INTERNAL, "malformed request: %s" % error)
        except Abort as error:
            record["code"] = error.code.value[0]
            context.abort(error.code, error.message)

    return grpc.unary_unary_rpc_method_handler(handle)  # no (de)serializers: raw bytes both ways


# ---- control -----------------------------------------------------------------------------------

def _command(command):
    op = command.get("op")
    if op == "add_token":
        with STATE.lock:
            STATE.tokens[command["token"]] = {
                "tenant": command["tenant"], "subject": command["subject"], "kind": command.get("kind", "user"),
                "email": command.get("email"), "expired": bool(command.get("expired")), "expires_at": None,
            }
        return {}
    if op == "add_tenant":
        projects = [{"id": p["id"], "name": p.get("name", "")} for p in command.get("projects", [])]
        with STATE.lock:
            STATE.tenants[command["tenant"]] = projects
        return {}
    if op == "add_sa_key":
        with STATE.lock:
            STATE.sa_keys[command["kid"]] = {"sa_id": command["sa_id"], "tenant": command["tenant"],
                                             "pem": command["public_key_pem"]}
        return {}
    if op == "set_token_lifetime":
        with STATE.lock:
            STATE.token_lifetime = int(command["seconds"])
        return {}
    if op in ("fail", "delay"):
        times = int(command.get("times", 1))
        if op == "fail":
            fault = {"kind": "fail", "code": int(command["code"]), "message": str(command.get("message", "")), "times": times}
        else:
            fault = {"kind": "delay", "ms": float(command["ms"]), "times": times}
        with STATE.lock:
            STATE.faults[command["method"]].append(fault)
        return {}
    if op == "calls":
        with STATE.lock:
            return {"calls": [dict(call) for call in STATE.calls]}
    raise ValueError("unknown op %r" % op)


def _reply(payload):
    sys.stdout.write(json.dumps(payload) + "\n")
    sys.stdout.flush()


def main():
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16))
    by_service = {}
    for method, implementation in ((PROJECT_LIST, list_projects), (PROFILE_GET, get_profile),
                                   (TOKEN_EXCHANGE, exchange)):
        service, name = method.strip("/").split("/")
        by_service.setdefault(service, {})[name] = _handler(method, implementation)
    server.add_generic_rpc_handlers(
        [grpc.method_handlers_generic_handler(service, handlers) for service, handlers in by_service.items()])
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    _reply({"port": port})
    try:
        for line in sys.stdin:
            if not line.strip():
                continue
            try:
                result = _command(json.loads(line))
                result["ok"] = True
            except (ValueError, KeyError, TypeError, IndexError, AttributeError) as error:
                result = {"ok": False, "error": "%s: %s" % (type(error).__name__, error)}
            _reply(result)
    finally:
        server.stop(0).wait(5)


if __name__ == "__main__":
    main()
