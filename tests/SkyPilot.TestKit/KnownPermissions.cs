namespace SkyPilot.TestKit;

/// <summary>SkyPilot's GCP permissions, spelled out independently of the product's own lists.</summary>
public static class KnownPermissions
{
    public static readonly string[] All =
    [
        "serviceusage.services.enable", "serviceusage.services.list",
        "compute.disks.create", "compute.disks.list", "compute.firewalls.get", "compute.instances.create", "compute.instances.delete",
        "compute.instances.get", "compute.instances.list", "compute.instances.setLabels", "compute.instances.setServiceAccount",
        "compute.instances.start", "compute.instances.stop", "compute.networks.get", "compute.networks.list",
        "compute.networks.getEffectiveFirewalls", "compute.globalOperations.get", "compute.subnetworks.use", "compute.subnetworks.list",
        "compute.subnetworks.useExternalIp", "compute.projects.get", "compute.zoneOperations.get", "iam.roles.get",
        "iam.serviceAccounts.get", "serviceusage.services.use", "resourcemanager.projects.get", "resourcemanager.projects.getIamPolicy",
        "compute.firewalls.create", "compute.firewalls.delete", "compute.reservations.list",
        "storage.buckets.create", "storage.buckets.delete",
    ];
}
