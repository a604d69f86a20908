using System.Text;
using LinkGateway.Infrastructure;

namespace LinkGateway.Forwarding;

/// <summary>
/// User-Agents with UTF-8 bytes, as real apps send them, written raw: the origin receives the same bytes, the verdict
/// still reads the User-Agent, the request log shows it; bytes that are not UTF-8 get an answer, never a 5xx.
/// </summary>
public sealed class HeaderEncodingTests : IAsyncLifetime
{
    private readonly RecordingOrigin _origin = new();
    private GatewayHost _host = null!;

    public async Task InitializeAsync() => _host = await GatewayHost.StartAsync(settings: new Dictionary<string, string?>
    {
        ["ReverseProxy:Clusters:origin:Destinations:primary:Address"] = _origin.Address.ToString(),
    });

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _origin.DisposeAsync();
    }

    [Theory]
    [InlineData("Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36 MQQBrowser/14.2 QQ浏览器/14.2")]
    [InlineData("Подкасты/1690.2 CFNetwork/1410.0.3 Darwin/22.6.0")]
    [InlineData("Zürich Tram/3.1 (iPhone; iOS 17.1)")]
    public async Task AUtf8UserAgent_ReachesTheOrigin_ByteForByte_AndTheLogShowsIt(string userAgent)
    {
        var recipient = $"r-{Guid.NewGuid():N}";

        var answer = await SendAsync(recipient, Encoding.UTF8.GetBytes(userAgent));

        Assert.Equal(200, RawHttp.StatusOf(answer));
        Assert.Equal(Encoding.UTF8.GetBytes(userAgent), Assert.Single(_origin.Single(recipient).Values("User-Agent")));
        var logged = await _host.Log.WaitForRequestAsync(recipient);
        Assert.Equal($"\"{userAgent}\"", logged.Properties["UserAgent"].ToString());
    }

    [Fact]
    public async Task AUtf8UserAgent_KeepsItsSignatureMatch()
    {
        var recipient = $"r-{Guid.NewGuid():N}";

        await SendAsync(recipient, Encoding.UTF8.GetBytes("python-requests/2.32.3 (工具)"));

        Assert.Contains("ua.library", _origin.Single(recipient).Value("X-Bot-Reasons"));
    }

    [Theory]
    [InlineData(new byte[] { (byte)'B', (byte)'a', (byte)'d', 0xFF, 0xFE, (byte)'/', (byte)'1' })]
    [InlineData(new byte[] { (byte)'M', (byte)'a', (byte)'i', (byte)'l', (byte)' ', (byte)'M', 0xFC, (byte)'l', (byte)'l', (byte)'e', (byte)'r', (byte)'/', (byte)'2' })] // Latin-1 "Müller"
    [InlineData(new byte[] { (byte)'c', (byte)'u', (byte)'r', (byte)'l', (byte)'/', (byte)'8', (byte)' ', 0xC0, 0xAF })] // overlong "/"
    public async Task NotUtf8_IsForwardedWithReplacementCharacters_NeverA5xx(byte[] userAgent)
    {
        var recipient = $"r-{Guid.NewGuid():N}";

        var answer = await SendAsync(recipient, userAgent);

        Assert.Equal(200, RawHttp.StatusOf(answer));
        var forwarded = Assert.Single(_origin.Single(recipient).Values("User-Agent"));
        Assert.Equal(Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(userAgent)), forwarded); // each invalid sequence became U+FFFD
    }

    private Task<string> SendAsync(string recipient, byte[] userAgent) => RawHttp.SendAsync(_host.Address,
    [
        .. Encoding.ASCII.GetBytes($"GET /c/m-utf8/{recipient}/l-1 HTTP/1.1\r\nHost: localhost\r\nUser-Agent: "),
        .. userAgent,
        .. Encoding.ASCII.GetBytes($"\r\nAccept: text/html\r\nX-Forwarded-For: {Clients.NextAddress()}\r\nConnection: close\r\n\r\n"),
    ]);
}
