using LinkGateway.Contracts;

namespace LinkGateway.Hosting;

/// <summary>What `--help` and `--version` print: the commands, the gateway's own switches, and the build that runs.</summary>
public static class GatewayUsage
{
    /// <summary>The help text; each command's own usage line (its `Usage` constant) is passed in, so there is one of each.</summary>
    public static string Text(params string[] commandUsages) => $$"""
        LinkGateway: a reverse proxy that scores mail-scanner traffic in front of click, open and unsubscribe endpoints.

        Usage:
          LinkGateway [--config FILE] [--demo] [--urls URLS] [--SECTION:KEY=VALUE ...]
          {{string.Join(Environment.NewLine, commandUsages.Select(usage => $"  LinkGateway {usage["usage: ".Length..]}")).TrimStart()}}
          LinkGateway --help | --version

        Switches:
          --config FILE            the JSON configuration (default: config/linkgateway.json from the working
                                   directory upwards, then beside the program)
          --demo                   the in-process store, the demo origin in this process, a key made for this run
          --urls URLS              where the proxy listens (also ASPNETCORE_URLS; default http://localhost:5000)
          --SECTION:KEY=VALUE      any configuration key, e.g. --LinkGateway:Redis:Configuration=redis:6379;
                                   environment variables SECTION__KEY=VALUE do the same
          --help, -h               this text
          --version                the version and the commit it was built from

        healthcheck GETs /healthz (or URL) on loopback at the port of ASPNETCORE_URLS, ASPNETCORE_HTTP(S)_PORTS or 5000,
        and exits 0 when it answers 200, 1 otherwise: the container's HEALTHCHECK, as the image has no curl.

        Exit codes: 0 stopped normally; 1 healthcheck failed, or the running gateway stopped because one of its services
        failed (one line on stderr naming it); 2 anything that stopped start-up: a usage or configuration error, an address
        or certificate that cannot be used (one line on stderr per problem, naming the switch or key).

        Examples:
          LinkGateway --demo
          LinkGateway --config /etc/linkgateway/linkgateway.json --urls http://0.0.0.0:8080
          LinkGateway__Signing__Key=BASE64 LinkGateway --LinkGateway:Redis:Configuration=redis:6379   (secrets in the environment: ps shows arguments)
          LinkGateway healthcheck http://127.0.0.1:8080/healthz

        Documentation: docs/operations/deploy.md and docs/reference/configuration.md in the repository.
        """;

    /// <summary>"LinkGateway 1.0.0 (commit 9c55879)".</summary>
    public static string Version => BuildVersion.Current is (var version, { } commit) ? $"LinkGateway {version} (commit {commit})" : $"LinkGateway {BuildVersion.Current.Version}";
}
