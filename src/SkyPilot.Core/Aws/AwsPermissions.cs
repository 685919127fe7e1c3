namespace SkyPilot.Core.Aws
{
    /// <summary>The actions the AWS checks exercise, and where SkyPilot documents the policy that grants them.</summary>
    internal static class AwsPermissions
    {
        public const string PolicyDocs = "https://docs.skypilot.co/en/latest/cloud-setup/cloud-permissions/aws.html";

        public const string GetCallerIdentity = "sts:GetCallerIdentity";
        public const string DescribeRegions = "ec2:DescribeRegions";
        public const string DescribeImages = "ec2:DescribeImages";
        public const string RunInstances = "ec2:RunInstances";
        public const string ListAllMyBuckets = "s3:ListAllMyBuckets";

        /// <summary>An image family every region has, found with one DescribeImages call (the newest is used).</summary>
        public const string ProbeImageName = "al2023-ami-2023*-kernel-6.1-x86_64";

        /// <summary>A small instance type for the launch probe (DryRun: nothing starts).</summary>
        public const string ProbeInstanceType = "t3.micro";

        public static readonly string[] Compute = { GetCallerIdentity, DescribeRegions, DescribeImages, RunInstances };

        public static readonly string[] Storage = { GetCallerIdentity, ListAllMyBuckets };

        public const string ComputeHint = "Attach SkyPilot's minimal AWS policy (ec2:RunInstances, ec2:Describe*, instance lifecycle and tags, security groups, iam:PassRole on skypilot-v1) to the identity: " + PolicyDocs;
    }
}
