using System.ComponentModel.DataAnnotations;
using System.Reflection;
using LinkGateway.Memory;
using Microsoft.Extensions.Configuration;

namespace LinkGateway.Hosting;

/// <summary>The strict binder over the options classes: the schema is the classes, so these walk them by reflection.</summary>
public class OptionsBinderTests
{
    public static TheoryData<string, PropertyInfo> EveryKey()
    {
        var keys = new TheoryData<string, PropertyInfo>();
        Walk(typeof(LinkGatewayOptions), LinkGatewayOptions.SectionName, keys);
        return keys;
    }

    [Theory]
    [MemberData(nameof(EveryKey))]
    public void EveryKey_HasATypeTheBinderReads(string key, PropertyInfo property)
    {
        Assert.True(OptionsBinder.IsSupported(property.PropertyType), $"{key}: {property.PropertyType} is not supported by the strict binder");
    }

    [Theory]
    [MemberData(nameof(EveryKey))]
    public void EveryDuration_DeclaresItsRange_AndItsDefaultIsWithin(string key, PropertyInfo property)
    {
        if (property.PropertyType != typeof(TimeSpan))
        {
            return;
        }

        var range = property.GetCustomAttribute<RangeAttribute>();
        Assert.True(range is not null, $"{key}: a duration needs [Range(typeof(TimeSpan), min, max)]");
        var fallback = property.GetValue(Activator.CreateInstance(property.DeclaringType!));
        var errors = new List<string>();
        Bind(new() { [key] = Durations.Format((TimeSpan)fallback!) }, errors);
        Assert.Empty(errors);
    }

    [Fact]
    public void ShippedConfiguration_BindsWithoutAnError_ToTheDefaults()
    {
        var configuration = new ConfigurationBuilder().AddJsonFile(RepoFiles.ConfigFile).Build();
        var errors = new List<string>();

        var options = OptionsBinder.Bind<LinkGatewayOptions>(configuration.GetSection(LinkGatewayOptions.SectionName), errors);

        Assert.Empty(errors);
        Assert.Equal(new LinkGatewayOptions().Behaviour, options.Behaviour);
        Assert.Equal(TimeSpan.FromMilliseconds(20), options.Redis.Budget);
        Assert.Equal(TimeSpan.FromDays(1), options.Memory.TagTtl);
        Assert.Empty(options.ForwardedHeaders.KnownProxies);
        Assert.Empty(options.Weights);
    }

    [Fact]
    public void Settings_OfEveryKind_AreApplied()
    {
        var errors = new List<string>();

        var options = Bind(new()
        {
            ["LinkGateway:Mode"] = "observe",
            ["LinkGateway:Redis:Budget"] = "50ms",
            ["LinkGateway:Behaviour:FanoutWindow"] = "2m",
            ["LinkGateway:Thresholds:Suspect"] = "40",
            ["LinkGateway:RateLimit:Enabled"] = "false",
            ["LinkGateway:Weights:ua.library"] = "0.5",
            ["LinkGateway:ForwardedHeaders:KnownProxies:0"] = "10.0.0.1",
            ["LinkGateway:ForwardedHeaders:KnownProxies:1"] = "10.0.0.2",
            ["LinkGateway:Admin:Urls"] = "http://127.0.0.1:9090",
        }, errors);

        Assert.Empty(errors);
        Assert.Equal(LinkGateway.Contracts.GatewayMode.Observe, options.Mode);
        Assert.Equal(TimeSpan.FromMilliseconds(50), options.Redis.Budget);
        Assert.Equal(TimeSpan.FromMinutes(2), options.Behaviour.FanoutWindow);
        Assert.Equal(40, options.Thresholds.Suspect);
        Assert.False(options.RateLimit.Enabled);
        Assert.Equal(0.5, options.Weights["ua.library"]);
        Assert.Equal(["10.0.0.1", "10.0.0.2"], options.ForwardedHeaders.KnownProxies);
        Assert.Equal("http://127.0.0.1:9090", options.Admin.Urls);
    }

    [Fact]
    public void BadSettings_AreAllReported_AndEachKeepsItsDefault()
    {
        var errors = new List<string>();

        var options = Bind(new()
        {
            ["LinkGateway:Redis:Budget"] = "20",
            ["LinkGateway:Redis:CircuitFailures"] = "0",
            ["LinkGateway:Behaviour:BurstLinkWindow"] = "1s",
        }, errors);

        Assert.Equal(3, errors.Count);
        Assert.Equal(new RedisOptions().Budget, options.Redis.Budget);
        Assert.Equal(new RedisOptions().CircuitFailures, options.Redis.CircuitFailures);
        Assert.Equal(new LinkGatewayOptions().Behaviour, options.Behaviour);
    }

    private static LinkGatewayOptions Bind(Dictionary<string, string?> settings, List<string> errors)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return OptionsBinder.Bind<LinkGatewayOptions>(configuration.GetSection(LinkGatewayOptions.SectionName), errors);
    }

    private static void Walk(Type type, string path, TheoryData<string, PropertyInfo> keys)
    {
        foreach (var (name, property) in OptionsBinder.KeysOf(type))
        {
            var key = $"{path}:{name}";
            keys.Add(key, property);
            if (property.PropertyType.IsClass && property.PropertyType != typeof(string) && !property.PropertyType.IsGenericType)
            {
                Walk(property.PropertyType, key, keys);
            }
        }
    }
}
