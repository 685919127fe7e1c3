using System.Collections.Generic;
using System.Linq;
using SkyPilot.Core.Checks;
using SkyPilot.Core.Config;

namespace SkyPilot.Core.Gcp
{
    /// <summary>SkyPilot's GCP permission lists (sky/provision/gcp/constants.py), per capability.</summary>
    public static class GcpPermissions
    {
        public static readonly IReadOnlyList<string> Always = new[]
        {
            "serviceusage.services.enable",
            "serviceusage.services.list",
        };

        public static readonly IReadOnlyList<string> ComputeMinimum = new[]
        {
            "compute.disks.create",
            "compute.disks.list",
            "compute.firewalls.get",
            "compute.instances.create",
            "compute.instances.delete",
            "compute.instances.get",
            "compute.instances.list",
            "compute.instances.setLabels",
            "compute.instances.setServiceAccount",
            "compute.instances.start",
            "compute.instances.stop",
            "compute.networks.get",
            "compute.networks.list",
            "compute.networks.getEffectiveFirewalls",
            "compute.globalOperations.get",
            "compute.subnetworks.use",
            "compute.subnetworks.list",
            "compute.subnetworks.useExternalIp",
            "compute.projects.get",
            "compute.zoneOperations.get",
            "iam.roles.get",
            "iam.serviceAccounts.get",
            "serviceusage.services.use",
            "resourcemanager.projects.get",
            "resourcemanager.projects.getIamPolicy",
        };

        /// <summary>Needed only when no custom VPC (<c>gcp.vpc_name</c>) is configured: SkyPilot creates its own firewall rules.</summary>
        public static readonly IReadOnlyList<string> Firewall = new[]
        {
            "compute.firewalls.create",
            "compute.firewalls.delete",
        };

        /// <summary>Needed only when reservations are configured.</summary>
        public static readonly IReadOnlyList<string> Reservations = new[]
        {
            "compute.reservations.list",
        };

        public static readonly IReadOnlyList<string> Storage = new[]
        {
            "storage.buckets.create",
            "storage.buckets.delete",
        };

        /// <summary>The permissions one capability needs under the given SkyPilot config.</summary>
        public static IReadOnlyList<string> For(Capability capability, SkyConfig config)
        {
            var list = new List<string>(Always);
            if (capability == Capability.Storage)
            {
                list.AddRange(Storage);
                return list;
            }

            list.AddRange(ComputeMinimum);
            if (config.GetString("gcp.vpc_name") is null)
            {
                list.AddRange(Firewall);
            }

            if (config.HasValue("gcp.specific_reservations") || config.GetString("gcp.prioritize_reservations") == "true")
            {
                list.AddRange(Reservations);
            }

            return list.Distinct().ToList();
        }

        /// <summary>The predefined role that grants a permission, for hints.</summary>
        public static string RoleFor(string permission)
        {
            if (permission.StartsWith("storage.", System.StringComparison.Ordinal))
            {
                return "roles/storage.admin";
            }

            if (permission.StartsWith("compute.", System.StringComparison.Ordinal))
            {
                return "roles/compute.admin";
            }

            if (permission.StartsWith("serviceusage.", System.StringComparison.Ordinal))
            {
                return "roles/serviceusage.serviceUsageAdmin";
            }

            if (permission == "iam.serviceAccounts.get")
            {
                return "roles/iam.serviceAccountUser";
            }

            if (permission == "iam.roles.get")
            {
                return "roles/iam.roleViewer";
            }

            return "roles/iam.securityReviewer";
        }
    }
}
