using System.Net;
using System.Text.Json;

namespace LinkGateway.Infrastructure;

/// <summary>/readyz as a loopback client reads it (the whole body; an internet client gets the status alone).</summary>
public sealed record ReadyzAnswer(HttpStatusCode Code, JsonElement Body)
{
    /// <summary>"healthy", "degraded" or "unhealthy".</summary>
    public string? Status => Body.GetProperty("status").GetString();

    /// <summary>The store's check: its status, description ("… store fails the probe (why) …") and data (the circuit).</summary>
    public JsonElement Store => Assert.Single(Body.GetProperty("checks").EnumerateArray(), c => c.GetProperty("name").GetString() == "store");

    public string? StoreDescription => Store.GetProperty("description").GetString();

    public static async Task<ReadyzAnswer> GetAsync(HttpClient client)
    {
        using var response = await client.GetAsync("/readyz");
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return new ReadyzAnswer(response.StatusCode, body.RootElement.Clone());
    }

    /// <summary>
    /// Asks until an answer satisfies <paramref name="until"/>, 30 s at most: a probe round that misses its budget once on a
    /// loaded machine says so for a moment, and what the test waits for comes in the next rounds.
    /// </summary>
    public static async Task<ReadyzAnswer> WaitAsync(HttpClient client, Func<ReadyzAnswer, bool> until, string what)
    {
        var answer = await GetAsync(client);
        for (var deadline = DateTime.UtcNow.AddSeconds(30); !until(answer) && DateTime.UtcNow < deadline; answer = await GetAsync(client))
        {
            await Task.Delay(100);
        }

        Assert.True(until(answer), $"/readyz did not show {what} within 30 s; last: {answer.Body.GetRawText()}");
        return answer;
    }
}
