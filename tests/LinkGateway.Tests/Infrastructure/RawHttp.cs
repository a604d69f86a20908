using System.Net;
using System.Net.Sockets;
using System.Text;

namespace LinkGateway.Infrastructure;

/// <summary>
/// Requests written byte for byte on a socket: what HttpClient refuses or rewrites (raw paths such as
/// "//u/m/r" or "/u\m\r", a CR in a header, header bytes that are not ASCII), as an attacker's client sends them.
/// </summary>
public static class RawHttp
{
    /// <summary>Writes <paramref name="request"/> to the server's address (an IP) and reads the whole answer (the request asks to close), as UTF-8 text.</summary>
    public static async Task<string> SendAsync(Uri server, byte[] request)
    {
        using var socket = new TcpClient();
        await socket.ConnectAsync(IPAddress.Parse(server.Host), server.Port);
        var stream = socket.GetStream();
        await stream.WriteAsync(request);
        return await new StreamReader(stream, Encoding.UTF8).ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(10));
    }

    public static Task<string> SendAsync(Uri server, string request) => SendAsync(server, Encoding.ASCII.GetBytes(request));

    /// <summary>A GET as curl sends it with --path-as-is: the target exactly as given, curl's User-Agent, Accept */*.</summary>
    public static string CurlGet(string target, string clientAddress, string host = "localhost") =>
        $"GET {target} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\nX-Forwarded-For: {clientAddress}\r\nConnection: close\r\n\r\n";

    /// <summary>The status code of an answer read by <see cref="SendAsync(Uri, byte[])"/>.</summary>
    public static int StatusOf(string answer) =>
        answer.StartsWith("HTTP/1.1 ", StringComparison.Ordinal) ? int.Parse(answer.AsSpan(9, 3), provider: System.Globalization.CultureInfo.InvariantCulture) : 0;
}
