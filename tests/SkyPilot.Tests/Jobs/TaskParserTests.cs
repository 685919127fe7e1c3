using SkyPilot.Core.Jobs;
using SkyPilot.Core.Storage;
using SkyPilot.TestKit;
using YamlDotNet.RepresentationModel;

namespace SkyPilot.Tests.Jobs;

public sealed class TaskParserTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private TaskFile Parse(string yaml) => TaskParser.Parse(yaml, _temp.Combine("task.yaml"), _temp.Path);

    private TaskFileException Fails(string yaml) => Assert.Throws<TaskFileException>(() => Parse(yaml));

    [Fact]
    public void A_full_task_is_read()
    {
        _temp.WriteFile("src/train.py", "print(1)");
        _temp.WriteFile("data/a.txt", "a");
        _temp.WriteFile("config.json", "{}");
        var task = Parse("""
            name: train
            workdir: ./src
            num_nodes: 2
            resources:
              infra: gcp/us-central1
              accelerators: A100:8
              cpus: 8+
              memory: 32+
              use_spot: true
            envs:
              MODEL: llama
            secrets:
              HF_TOKEN: hf_not_a_real_token
            file_mounts:
              /data: ./data
              /config.json: ./config.json
              /datasets: gs://public-bucket/datasets
              /ckpt:
                name: my-ckpts
                store: gcs
                mode: MOUNT
            setup: pip install -r requirements.txt
            run: python train.py
            """).Tasks.Single();

        task.Name.Should().Be("train");
        task.Workdir.Should().Be(_temp.Combine("src"));
        task.NumNodes.Should().Be(2);
        var resources = task.Resources.Single();
        (resources.Cloud, resources.Region, resources.Accelerators, resources.UseSpot).Should().Be(("gcp", "us-central1", "A100:8", true));
        task.Envs["MODEL"].Should().Be("llama");
        task.SecretNames.Should().Equal("HF_TOKEN");
        task.FileMounts.Select(m => (m.RemotePath, m.Kind)).Should().Equal(
            ("/data", FileMountKind.LocalPath), ("/config.json", FileMountKind.LocalPath), ("/datasets", FileMountKind.CloudUri), ("/ckpt", FileMountKind.StorageObject));
        task.FileMounts[0].IsDirectory.Should().BeTrue();
        task.FileMounts[1].IsDirectory.Should().BeFalse();
        task.FileMounts[3].Store.Should().Be("gcs");
        task.Clouds.Should().Equal("gcp");
    }

    [Fact]
    public void Older_cloud_and_region_keys_and_any_of_candidates_are_read()
    {
        var task = Parse("""
            resources:
              accelerators: H100:8
              any_of:
                - cloud: gcp
                  region: us-east4
                - infra: nebius/eu-north1
                - infra: k8s
            run: echo hi
            """).Tasks.Single();

        task.Resources.Select(r => (r.Cloud, r.Region)).Should().Equal(("gcp", "us-east4"), ("nebius", "eu-north1"), ("kubernetes", null));
        task.Resources.Should().OnlyContain(r => r.Accelerators == "H100:8");
    }

    [Fact]
    public void A_pipeline_with_a_name_header_has_several_tasks()
    {
        var file = Parse("""
            name: pipeline
            ---
            name: prep
            run: echo prep
            ---
            name: train
            resources:
              infra: gcp
            run: echo train
            """);

        file.Name.Should().Be("pipeline");
        file.Tasks.Select(t => t.Name).Should().Equal("prep", "train");
    }

    [Fact]
    public void Malformed_yaml_names_the_file_and_line()
    {
        var error = Fails("name: x\nrun: echo hi\nresources:\n  infra: [gcp\n");

        error.Path.Should().Be(_temp.Combine("task.yaml"));
        error.Line.Should().BeGreaterThan(3);
        error.Message.Should().StartWith(_temp.Combine("task.yaml") + ":").And.Contain("not valid YAML");
    }

    [Fact]
    public void An_unknown_cloud_names_the_line_and_field_and_lists_the_known_ones()
    {
        var error = Fails("name: x\nresources:\n  infra: gpc/us-central1\nrun: echo hi\n");

        error.Line.Should().Be(3);
        error.Field.Should().Be("resources.infra");
        error.Message.Should().Contain("unknown cloud 'gpc'").And.Contain("gcp");
    }

    [Fact]
    public void A_missing_workdir_is_an_error_with_the_resolved_path()
    {
        var error = Fails("workdir: ./nope\nrun: echo hi\n");

        error.Field.Should().Be("workdir");
        error.Line.Should().Be(1);
        error.Message.Should().Contain(_temp.Combine("nope"));
    }

    [Fact]
    public void A_missing_file_mount_source_is_an_error()
    {
        var error = Fails("run: echo hi\nfile_mounts:\n  /data: ./missing-dir\n");

        error.Field.Should().Be("file_mounts./data");
        error.Line.Should().Be(3);
    }

    [Fact]
    public void Fields_the_server_accepts_pass_through_and_unknown_ones_carry_a_did_you_mean()
    {
        var task = Parse("run: echo\npool: gpu-pool\nmanaged_secrets: [HF]\nvolume_mounts: []\napi_server_access: true\nfile_mounts_mapping: {}\ninputs: {}\noutputs: {}\n_metadata: {}\nrunn: echo\n").Tasks.Single();

        task.UnknownFields.Should().ContainSingle().Which.Should().Be(new UnknownTaskField("runn", 10, "run"));
        SkyPilot.Core.Jobs.TaskRewriter.ToServerYaml(Parse("run: echo\npool: gpu-pool\n"), null).Should().Contain("pool: gpu-pool");
    }

    [Fact]
    public void A_git_workdir_is_named_not_silently_dropped_and_nothing_is_staged_for_it()
    {
        var file = Parse("workdir:\n  url: https://github.com/org/repo.git\n  ref: main\nrun: echo\n");

        file.Tasks.Single().GitWorkdir.Should().Be("https://github.com/org/repo.git@main");
        file.Tasks.Single().Workdir.Should().BeNull();
        SkyPilot.Core.Jobs.TaskRewriter.ToServerYaml(file, null).Should().Contain("url: https://github.com/org/repo.git");
    }

    [Theory]
    [InlineData("name: x\n", "run", "nothing to execute")]
    [InlineData("num_nodes: zero\nrun: echo\n", "num_nodes", "whole number")]
    [InlineData("resources: gcp\nrun: echo\n", "resources", "mapping")]
    [InlineData("run: echo\nfile_mounts:\n  /x:\n    mode: COPY\n", "file_mounts./x", "needs 'name' or 'source'")]
    public void Semantic_errors_name_the_field(string yaml, string field, string problem)
    {
        var error = Fails(yaml);

        error.Field.Should().Be(field);
        error.Message.Should().Contain(problem);
    }

    [Fact]
    public void Secret_values_never_appear_in_errors()
    {
        var error = Fails("secrets:\n  HF_TOKEN: hf_secret_value_123\nresources:\n  infra: nowhere\nrun: echo\n");

        error.Message.Should().NotContain("hf_secret_value_123");
    }

    [Fact]
    public void The_rewritten_task_names_no_local_path_and_keeps_secrets_for_the_server()
    {
        _temp.WriteFile("src/train.py", "print(1)");
        _temp.WriteFile("data/a.txt", "a");
        _temp.WriteFile("config.json", "{}");
        var file = Parse("""
            name: train
            workdir: ./src
            secrets:
              HF_TOKEN: hf_secret
            file_mounts:
              /data: ./data
              /config.json: ./config.json
              /datasets: gs://public-bucket/datasets
            run: python train.py
            """);
        var plan = StagingPlanner.Plan(file, "gs://jobs-bucket/team", CancellationToken.None);

        var yaml = TaskRewriter.ToServerYaml(file, plan);

        yaml.Should().NotContain(_temp.Path).And.NotContain("./");
        yaml.Split('\n').Should().NotContain(l => l.StartsWith("workdir:"));
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        var root = (YamlMappingNode)stream.Documents.Single().RootNode;
        var mounts = (YamlMappingNode)root["file_mounts"];
        ((YamlScalarNode)((YamlMappingNode)mounts["~/sky_workdir"])["source"]).Value.Should().Be("gs://jobs-bucket/team/job-" + plan.RunId + "/workdir");
        ((YamlScalarNode)((YamlMappingNode)mounts["/data"])["source"]).Value.Should().Be("gs://jobs-bucket/team/job-" + plan.RunId + "/local-file-mounts/0");
        ((YamlScalarNode)mounts["/config.json"]).Value.Should().Be("gs://jobs-bucket/team/job-" + plan.RunId + "/tmp-files/1/config.json");
        ((YamlScalarNode)mounts["/datasets"]).Value.Should().Be("gs://public-bucket/datasets");
        ((YamlScalarNode)((YamlMappingNode)root["secrets"])["HF_TOKEN"]).Value.Should().Be("hf_secret");
        plan.Files.Select(f => f.ObjectName).Should().BeEquivalentTo(
            "team/job-" + plan.RunId + "/workdir/train.py", "team/job-" + plan.RunId + "/local-file-mounts/0/a.txt", "team/job-" + plan.RunId + "/tmp-files/1/config.json");
    }

    [Fact]
    public void Commands_that_end_in_dots_are_sent_unchanged()
    {
        var file = Parse("name: dots\nsetup: pip install -e .\nrun: |\n  cd build\n  make ..\n");

        var yaml = TaskRewriter.ToServerYaml(file, null);

        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        var root = (YamlMappingNode)stream.Documents.Single().RootNode;
        ((YamlScalarNode)root["setup"]).Value.Should().Be("pip install -e .");
        ((YamlScalarNode)root["run"]).Value.Should().Be("cd build\nmake ..\n");
        yaml.Should().NotContain("\n...");
    }

    [Fact]
    public void The_run_id_depends_on_content_so_a_retry_reuses_the_staged_prefix()
    {
        _temp.WriteFile("task.yaml", "workdir: ./src\nrun: echo\n");
        _temp.WriteFile("src/a.txt", "one");
        var first = StagingPlanner.Plan(TaskParser.ParseFile(_temp.Combine("task.yaml"), _temp.Path), "gs://b", CancellationToken.None).RunId;
        var again = StagingPlanner.Plan(TaskParser.ParseFile(_temp.Combine("task.yaml"), _temp.Path), "gs://b", CancellationToken.None).RunId;
        _temp.WriteFile("src/a.txt", "two");
        var changed = StagingPlanner.Plan(TaskParser.ParseFile(_temp.Combine("task.yaml"), _temp.Path), "gs://b", CancellationToken.None).RunId;

        again.Should().Be(first);
        changed.Should().NotBe(first);
    }
}
