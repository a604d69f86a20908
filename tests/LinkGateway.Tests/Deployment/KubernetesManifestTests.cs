using Microsoft.Extensions.Configuration;
using LinkGateway.Hosting;
using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace LinkGateway.Deployment;

/// <summary>
/// config/deploy/kubernetes, read as YAML and checked for what a cluster would only tell at run time: the probes hit the
/// gateway's real health paths on its real port, the pod runs as the image's unprivileged user on a read-only root with
/// every path it writes mounted, the Secret holds exactly the variables the Deployment reads, the selectors meet, and the
/// ConfigMap's configuration passes the gateway's own start-up validation. (No schema validator runs offline: kubeconform
/// and kubectl's validation fetch schemas or ask an API server.)
/// </summary>
public sealed class KubernetesManifestTests
{
    private static readonly string _folder = Path.Combine(RepoFiles.Root, "config", "deploy", "kubernetes");
    private static readonly IReadOnlyList<Node> _documents = Load();

    [Fact]
    public void Kustomization_ListsEveryManifestInTheFolder_ButTheExampleSecret()
    {
        var kustomization = new DeserializerBuilder().Build().Deserialize<Dictionary<string, object>>(File.ReadAllText(Path.Combine(_folder, "kustomization.yaml")));
        var listed = ((List<object>)kustomization["resources"]).Cast<string>().Order(StringComparer.Ordinal).ToList();
        var present = Directory.GetFiles(_folder, "*.yaml").Select(Path.GetFileName).Where(f => f is not "kustomization.yaml" and not "secret.example.yaml").Order(StringComparer.Ordinal);

        Assert.Equal(present, listed);
        // `kubectl apply -k` would otherwise overwrite the operator's real Secret with the example's placeholders.
        Assert.DoesNotContain(_documents, d => d["kind"].Text == "Secret" && listed.Contains(d.Path));
        Assert.False(kustomization.ContainsKey("secretGenerator"), "a secretGenerator stays commented out: it reads secret.env, which only the operator has");
        Assert.Contains("secret.env", File.ReadAllLines(Path.Combine(_folder, ".gitignore")));
    }

    [Fact]
    public void Manifests_HoldDeploymentServicePdbHpaConfigMapSecretAndARedisExample()
    {
        var kinds = _documents.Select(d => $"{d["kind"].Text}/{d["metadata"]["name"].Text}").ToHashSet();

        Assert.Superset(new HashSet<string>
        {
            "Deployment/linkgateway", "Service/linkgateway", "Service/linkgateway-admin", "PodDisruptionBudget/linkgateway",
            "HorizontalPodAutoscaler/linkgateway", "ConfigMap/linkgateway-config", "Secret/linkgateway-secrets",
            "Deployment/redis", "Service/redis",
        }, kinds);
    }

    [Fact]
    public void Deployment_ProbesReadinessOnReadyzAndLivenessOnHealthz_OnTheProxyPortTheImageListensOn()
    {
        var container = Gateway();
        var http = container["ports"].Items.Single(p => p["name"].Text == "http");

        Assert.Equal(("/readyz", "http"), (container["readinessProbe"]["httpGet"]["path"].Text, container["readinessProbe"]["httpGet"]["port"].Text));
        Assert.Equal(("/healthz", "http"), (container["livenessProbe"]["httpGet"]["path"].Text, container["livenessProbe"]["httpGet"]["port"].Text));
        Assert.Equal("/healthz", container["startupProbe"]["httpGet"]["path"].Text);
        Assert.Equal("8080", http["containerPort"].Text);
        Assert.Equal("http://+:8080", Env(container)["ASPNETCORE_URLS"]);
        Assert.Contains("ENV ASPNETCORE_URLS=http://+:8080", DockerfileTests.Gateway.Text, StringComparison.Ordinal);
        var adminPort = container["ports"].Items.Single(p => p["name"].Text == "admin")["containerPort"].Text;
        Assert.EndsWith($":{adminPort}", Env(container)["LinkGateway__Admin__Urls"], StringComparison.Ordinal);
    }

    [Fact]
    public void Deployment_RunsAsTheImagesNonRootUser_OnAReadOnlyRoot_WithoutPrivileges()
    {
        var pod = Find("Deployment", "linkgateway")["spec"]["template"]["spec"];
        var container = Gateway();

        Assert.Equal("true", pod["securityContext"]["runAsNonRoot"].Text);
        Assert.Equal(DockerfileTests.Gateway.User.Split(':')[0], pod["securityContext"]["runAsUser"].Text);
        Assert.Equal("RuntimeDefault", pod["securityContext"]["seccompProfile"]["type"].Text);
        Assert.Equal("true", container["securityContext"]["readOnlyRootFilesystem"].Text);
        Assert.Equal("false", container["securityContext"]["allowPrivilegeEscalation"].Text);
        Assert.Equal(["ALL"], container["securityContext"]["capabilities"]["drop"].Items.Select(i => i.Text));
        Assert.Equal("false", pod["automountServiceAccountToken"].Text);
    }

    [Fact]
    public void Deployment_MountsAWritableVolumeAtEveryPathTheGatewayWrites_AndTheConfigMapWhereItsArgumentsLook()
    {
        var pod = Find("Deployment", "linkgateway")["spec"]["template"]["spec"];
        var container = Gateway();
        var volumes = pod["volumes"].Items.ToDictionary(v => v["name"].Text);
        var mounts = container["volumeMounts"].Items.ToDictionary(m => m["mountPath"].Text, m => volumes[m["name"].Text]);

        foreach (var writable in new[] { "/tmp", Env(container)["LinkGateway__Shield__KeyRingPath"] })
        {
            Assert.True(mounts.TryGetValue(writable, out var volume), $"{writable} is not a volume");
            Assert.True(volume!.Has("emptyDir"), $"{writable} is not an emptyDir");
        }

        var args = container["args"].Items.Select(a => a.Text).ToList();
        var configFile = args[args.IndexOf("--config") + 1];
        var configVolume = mounts[Path.GetDirectoryName(configFile)!];
        Assert.Equal("linkgateway-config", configVolume["configMap"]["name"].Text);
        Assert.True(Find("ConfigMap", "linkgateway-config")["data"].Has(Path.GetFileName(configFile)));
    }

    [Fact]
    public void Deployment_HasRequestsAndAMemoryLimit_AndTheAutoscalerAndBudgetTargetIt()
    {
        var resources = Gateway()["resources"];
        var hpa = Find("HorizontalPodAutoscaler", "linkgateway")["spec"];
        var pdb = Find("PodDisruptionBudget", "linkgateway")["spec"];
        var deployment = Find("Deployment", "linkgateway")["spec"];
        var labels = deployment["template"]["metadata"]["labels"];

        Assert.False(deployment.Has("replicas"), "the autoscaler sets the replicas; every kubectl apply would reset a fixed count");
        Assert.True(resources["requests"].Has("cpu") && resources["requests"].Has("memory") && resources["limits"].Has("memory"));
        Assert.Equal(("Deployment", "linkgateway"), (hpa["scaleTargetRef"]["kind"].Text, hpa["scaleTargetRef"]["name"].Text));
        Assert.Equal("cpu", hpa["metrics"].Items.Single()["resource"]["name"].Text); // needs the cpu request above
        Assert.True(int.Parse(hpa["minReplicas"].Text) >= 2, "one replica leaves nothing for the PodDisruptionBudget");
        Assert.True(int.Parse(pdb["minAvailable"].Text) < int.Parse(hpa["minReplicas"].Text), "a budget of every replica blocks every drain");
        AssertSelects(pdb["selector"]["matchLabels"], labels);
    }

    [Fact]
    public void Services_SelectThePodsAndTargetNamedContainerPorts()
    {
        foreach (var (service, deployment) in new[] { ("linkgateway", "linkgateway"), ("linkgateway-admin", "linkgateway"), ("redis", "redis") })
        {
            var spec = Find("Service", service)["spec"];
            var pod = Find("Deployment", deployment)["spec"]["template"];
            AssertSelects(spec["selector"], pod["metadata"]["labels"]);
            var portNames = pod["spec"]["containers"].Items.SelectMany(c => c["ports"].Items).Select(p => p["name"].Text).ToHashSet();
            Assert.All(spec["ports"].Items, p => Assert.Contains(p["targetPort"].Text, portNames));
        }
    }

    [Fact]
    public void Secret_HoldsExactlyTheKeysTheDeploymentsRead_EachNamedAsTheVariableItSets()
    {
        var secret = Find("Secret", "linkgateway-secrets")["stringData"];
        var references = _documents.Where(d => d["kind"].Text == "Deployment")
            .SelectMany(d => d["spec"]["template"]["spec"]["containers"].Items)
            .SelectMany(c => c["env"].Items)
            .Where(e => e.Has("valueFrom"))
            .Select(e => (Variable: e["name"].Text, Ref: e["valueFrom"]["secretKeyRef"]))
            .ToList();

        Assert.All(references, r => Assert.Equal("linkgateway-secrets", r.Ref["name"].Text));
        Assert.Equal(secret.Keys.Order(StringComparer.Ordinal), references.Select(r => r.Ref["key"].Text).Distinct().Order(StringComparer.Ordinal));
        Assert.All(references.Where(r => r.Variable.StartsWith("LinkGateway__", StringComparison.Ordinal)), r => Assert.Equal(r.Variable, r.Ref["key"].Text));
        // The example's Redis password is the one its Redis requires, and the gateway asks the example's Service.
        Assert.Equal($"redis:6379,password={secret["redis-password"].Text}", secret["LinkGateway__Redis__Configuration"].Text);
        Assert.Equal("6379", Find("Service", "redis")["spec"]["ports"].Items.Single()["port"].Text);
    }

    [Fact]
    public void ConfigMap_PassesTheGatewaysOwnStartUpValidation_WithTheDeploymentsEnvironmentAndTheSecretsKeys()
    {
        var folder = Directory.CreateTempSubdirectory("lg-k8s-");
        try
        {
            var file = Path.Combine(folder.FullName, "linkgateway.json");
            File.WriteAllText(file, Find("ConfigMap", "linkgateway-config")["data"]["linkgateway.json"].Text);
            Assert.NotNull(new ConfigurationBuilder().AddJsonFile(file).Build()["ReverseProxy:Clusters:origin:HttpRequest:ActivityTimeout"]); // as config/ (ShippedConfigurationTests)
            var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            foreach (var env in Gateway()["env"].Items)
            {
                settings[env["name"].Text.Replace("__", ":", StringComparison.Ordinal)] = env.Has("value")
                    ? env["value"].Text
                    : Find("Secret", env["valueFrom"]["secretKeyRef"]["name"].Text)["stringData"][env["valueFrom"]["secretKeyRef"]["key"].Text].Text
                        .Replace(GatewayConfigValidator.Placeholder, "as-an-operator-sets-it", StringComparison.Ordinal);
            }

            // What only exists in the pod, mapped to this machine: the image's signatures (it copies config/ to /app/config),
            // a writable key ring, and real values in place of the example's placeholders (refused: their own test below).
            Assert.Contains("COPY config ./config", DockerfileTests.Gateway.Text, StringComparison.Ordinal);
            Assert.Equal("/app/config/signatures", System.Text.Json.JsonDocument.Parse(File.ReadAllText(file)).RootElement.GetProperty("LinkGateway").GetProperty("Signatures").GetProperty("Path").GetString());
            settings["LinkGateway:Signatures:Path"] = RepoFiles.Signatures;
            settings["LinkGateway:Shield:KeyRingPath"] = Path.Combine(folder.FullName, "keys");
            settings["LinkGateway:Signing:Key"] = Convert.ToBase64String(new byte[32]);
            settings.Remove("ASPNETCORE_URLS");
            settings.Remove("DOTNET_USE_POLLING_FILE_WATCHER");

            using var app = GatewayApp.Build(new GatewayLaunch(false, file, []), settings);

            Assert.NotNull(app);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("LinkGateway__Signing__Key")]
    [InlineData("LinkGateway__Admin__Token")] // 38 characters: well-formed, refused only for being the placeholder
    [InlineData("LinkGateway__Redis__Configuration")] // the example Redis is given the same placeholder password
    public void SecretExample_EveryPlaceholderTheGatewayReads_IsRefusedAtStartUp_NamingItsKey(string variable)
    {
        var placeholder = Find("Secret", "linkgateway-secrets")["stringData"][variable].Text;
        var key = variable.Replace("__", ":", StringComparison.Ordinal);
        var settings = new Dictionary<string, string?> { ["LinkGateway:Signing:Key"] = Convert.ToBase64String(new byte[32]), [key] = placeholder };

        var error = Assert.Throws<GatewayConfigurationException>(() => GatewayApp.Build(new GatewayLaunch(false, RepoFiles.ConfigFile, []), settings));

        Assert.Contains($"{key}: still holds the example's REPLACE-ME placeholder: set the real value (docs/operations/deploy.md#kubernetes)", error.Errors);
        Assert.DoesNotContain(error.Errors, e => e.Contains(placeholder, StringComparison.Ordinal)); // a secret beside it is never printed
    }

    [Fact]
    public void SecretExample_EveryValueTheGatewayReads_HoldsThePlaceholder()
    {
        var secret = Find("Secret", "linkgateway-secrets")["stringData"];

        Assert.All(secret.Keys, key => Assert.Contains(GatewayConfigValidator.Placeholder, secret[key].Text, StringComparison.Ordinal));
    }

    private static Node Gateway() => Find("Deployment", "linkgateway")["spec"]["template"]["spec"]["containers"].Items.Single(c => c["name"].Text == "linkgateway");

    private static Dictionary<string, string> Env(Node container) =>
        container["env"].Items.Where(e => e.Has("value")).ToDictionary(e => e["name"].Text, e => e["value"].Text);

    private static Node Find(string kind, string name) =>
        _documents.SingleOrDefault(d => d["kind"].Text == kind && d["metadata"]["name"].Text == name)
        ?? throw new Xunit.Sdk.XunitException($"{kind}/{name} is not in config/deploy/kubernetes");

    private static void AssertSelects(Node selector, Node labels)
    {
        Assert.NotEmpty(selector.Keys);
        Assert.All(selector.Keys, key => Assert.Equal(selector[key].Text, labels[key].Text));
    }

    private static List<Node> Load()
    {
        var deserializer = new DeserializerBuilder().Build();
        var documents = new List<Node>();
        foreach (var file in Directory.GetFiles(_folder, "*.yaml").Where(f => Path.GetFileName(f) != "kustomization.yaml"))
        {
            var parser = new YamlDotNet.Core.Parser(new StringReader(File.ReadAllText(file)));
            parser.Consume<YamlDotNet.Core.Events.StreamStart>();
            while (parser.Accept<YamlDotNet.Core.Events.DocumentStart>(out _))
            {
                documents.Add(new Node(deserializer.Deserialize<object>(parser), Path.GetFileName(file)));
            }
        }

        return documents;
    }

    /// <summary>A YAML value with a path for failure messages: a missing key fails naming where it was looked for.</summary>
    private sealed record Node(object? Value, string Path)
    {
        public Node this[string key] => Value is Dictionary<object, object> map && map.TryGetValue(key, out var child)
            ? new Node(child, $"{Path}.{key}")
            : throw new Xunit.Sdk.XunitException($"{Path}.{key} is missing");

        public bool Has(string key) => Value is Dictionary<object, object> map && map.ContainsKey(key);

        public IEnumerable<string> Keys => Value is Dictionary<object, object> map ? map.Keys.Cast<string>() : [];

        public IEnumerable<Node> Items => Value is List<object> list
            ? list.Select((item, i) => new Node(item, $"{Path}[{i}]"))
            : throw new Xunit.Sdk.XunitException($"{Path} is not a list");

        public string Text => Value is string text ? text : throw new Xunit.Sdk.XunitException($"{Path} is not a scalar");
    }
}
