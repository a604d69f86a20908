using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace LinkGateway.Infrastructure;

/// <summary>
/// A Linux network namespace of the test's own (`ip netns add`, as root), whose only interface is a loopback that
/// also carries private addresses: a gateway process started in it sees a balancer's real private address as its
/// peer, which loopback cannot show (127/8 is always trusted). Nothing leaves the namespace: it has no other
/// interface and no route, and it is deleted on dispose. Clients connect from inside through sockets created in
/// the namespace (<see cref="Client"/>); a program runs inside through <see cref="Wrap"/>.
/// </summary>
public sealed class PrivateNetwork : IDisposable
{
    /// <summary>Where the gateway listens inside the namespace.</summary>
    public static readonly IPAddress GatewayAddress = IPAddress.Parse("10.77.0.1");

    /// <summary>The gateway's IPv6 address, for IPv6 peers.</summary>
    public static readonly IPAddress GatewayAddress6 = IPAddress.Parse("fd77::1");

    /// <summary>Private peers, one per kind the warning knows: RFC 1918, CGNAT (RFC 6598), IPv6 ULA.</summary>
    public static readonly IPAddress[] Peers = [IPAddress.Parse("10.77.0.2"), IPAddress.Parse("100.64.77.2"), IPAddress.Parse("fd77::2")];

    private const int NewNetworkNamespace = 0x40000000; // CLONE_NEWNET

    private PrivateNetwork(string name) => Name = name;

    public string Name { get; }

    public static PrivateNetwork Create()
    {
        var network = new PrivateNetwork($"lg-test-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}");
        Ip("netns", "add", network.Name);
        try
        {
            Ip("-n", network.Name, "link", "set", "lo", "up");
            foreach (var address in Peers.Append(GatewayAddress).Append(GatewayAddress6))
            {
                Ip("-n", network.Name, "addr", "add", $"{address}/{(address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128)}", "dev", "lo");
            }
        }
        catch
        {
            network.Dispose();
            throw;
        }

        return network;
    }

    /// <summary>The same program, run inside the namespace (ip netns exec keeps its arguments and inherited pipes).</summary>
    public ProcessStartInfo Wrap(ProcessStartInfo program)
    {
        var wrapped = new ProcessStartInfo("ip")
        {
            RedirectStandardError = program.RedirectStandardError,
            RedirectStandardOutput = program.RedirectStandardOutput,
            WorkingDirectory = program.WorkingDirectory,
        };
        foreach (var arg in (string[])["netns", "exec", Name, program.FileName, .. program.ArgumentList])
        {
            wrapped.ArgumentList.Add(arg);
        }

        return wrapped;
    }

    /// <summary>A shell script that runs <paramref name="executable"/> inside the namespace, for launchers that take a path (Playwright).</summary>
    public string Launcher(string executable)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("network namespaces are Linux's");
        }

        var script = Path.Combine(Path.GetTempPath(), $"{Name}-{Path.GetFileName(executable)}");
        File.WriteAllText(script, $"#!/bin/sh\nexec ip netns exec {Name} {executable} \"$@\"\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return script;
    }

    /// <summary>The proxy's port inside the namespace (any port is free in a fresh namespace).</summary>
    public const int GatewayPort = 8080;

    public const int AdminPort = 9090;

    public static Uri AdminUri { get; } = new($"http://{GatewayAddress}:{AdminPort}");

    /// <summary>A --demo gateway process in the namespace: the proxy on every address (IPv4 and IPv6), the admin port with <see cref="AdminEndpoint.Token"/>.</summary>
    public Task<RunningGateway> StartGatewayAsync(params string[] settings) =>
        GatewayProcess.StartAsync([new Uri($"http://{GatewayAddress}:{GatewayPort}/healthz"), new Uri(AdminUri, "/metrics")], this,
        [
            "--demo", "--urls", $"http://[::]:{GatewayPort}",
            $"--LinkGateway:Admin:Urls={AdminUri}", $"--LinkGateway:Admin:Token={AdminEndpoint.Token}", .. settings,
        ]);

    /// <summary>A client of the proxy connecting from <paramref name="peer"/>, to the gateway's address of the same family.</summary>
    public HttpClient ClientFrom(IPAddress peer) =>
        Client(new Uri($"http://{(peer.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{GatewayAddress6}]" : GatewayAddress.ToString())}:{GatewayPort}"), peer);

    /// <summary>A client of the admin port that sends the token.</summary>
    public HttpClient AdminClient()
    {
        var client = Client(AdminUri, GatewayAddress);
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", AdminEndpoint.Token);
        return client;
    }

    /// <summary>An HTTP client whose connections start inside the namespace, from <paramref name="from"/>.</summary>
    public HttpClient Client(Uri baseAddress, IPAddress from) => new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        UseCookies = false,
        ConnectCallback = async (context, cancelled) =>
        {
            var socket = SocketIn(from);
            try
            {
                await socket.ConnectAsync(context.DnsEndPoint, cancelled);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    })
    { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(10) };

    public void Dispose()
    {
        Ip("netns", "delete", Name);
        foreach (var script in Directory.GetFiles(Path.GetTempPath(), $"{Name}-*"))
        {
            File.Delete(script);
        }
    }

    /// <summary>
    /// A socket belongs to the network namespace of the thread that creates it, and stays there. So a thread of its
    /// own enters the namespace, creates and binds the socket, and ends; no other thread of the test changes namespace.
    /// </summary>
    private Socket SocketIn(IPAddress from)
    {
        Socket? socket = null;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var target = File.OpenHandle($"/run/netns/{Name}");
                if (SetNamespace((int)target.DangerousGetHandle(), NewNetworkNamespace) != 0)
                {
                    throw new InvalidOperationException($"setns into {Name} failed with errno {Marshal.GetLastPInvokeError()} (the test needs root)");
                }

                socket = new Socket(from.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                socket.Bind(new IPEndPoint(from, 0));
            }
            catch (Exception e)
            {
                failure = e;
            }
        });
        thread.Start();
        thread.Join();
        return socket ?? throw new InvalidOperationException($"No socket in {Name}", failure);
    }

    [DllImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static extern int SetNamespace(int fd, int type);

    private static void Ip(params string[] args)
    {
        var info = new ProcessStartInfo("ip") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var error = process.StandardError.ReadToEnd();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"ip {string.Join(' ', args)} failed ({process.ExitCode}): {error.Trim()} (network namespaces need root and iproute2)");
        }
    }
}
