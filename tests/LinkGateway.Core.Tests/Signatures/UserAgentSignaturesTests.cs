using System.Diagnostics;
using LinkGateway.TestSupport;

namespace LinkGateway.Signatures;

/// <summary>The memo of recent answers in front of the patterns: it may only ever repeat what the patterns answer.</summary>
public class UserAgentSignaturesTests
{
    private static readonly UserAgentSignatures _signatures = SignatureLoader.LoadDirectory(RepoFiles.Signatures).UserAgents;

    [Fact]
    public void EveryValue_IsAnsweredAsThePatternsAnswer_FirstAndAgain_FromManyThreads()
    {
        // More distinct values than the memo has slots (browsers, apps, crawlers, libraries of every corpus), so slots are
        // shared, replaced and raced over; each value is asked from several threads at once, in a new order each round.
        var values = CorpusFile.Read(RepoFiles.Corpus("isbot-browsers.yml"))
            .Concat(CorpusFile.Read(RepoFiles.Corpus("isbot-crawlers.yml")))
            .Concat(UapCoreCorpus.Read().Select(c => c.UserAgent))
            .Concat(DeviceDetectionCorpus.All.Select(e => e.UserAgent))
            .Distinct(StringComparer.Ordinal)
            .ToArray();
        Assert.True(values.Length > 8_192, $"only {values.Length} distinct values");
        var expected = values.ToDictionary(v => v, _signatures.Scan, StringComparer.Ordinal);
        Assert.Contains(expected.Values, c => c == ClientCategory.None);
        Assert.Contains(expected.Values, c => c == ClientCategory.Crawler);

        var wrong = new System.Collections.Concurrent.ConcurrentBag<string>();
        for (var round = 0; round < 3; round++)
        {
            var order = values.OrderBy(_ => Random.Shared.Next()).ToArray();
            Parallel.ForEach(order, new ParallelOptions { MaxDegreeOfParallelism = 4 }, value =>
            {
                // A copy, not the same instance: the memo compares values, never references.
                if (_signatures.Match(new string(value.AsSpan())) != expected[value])
                {
                    wrong.Add(value);
                }
            });
        }

        Assert.Empty(wrong);
    }

    [Fact]
    public void TwoValuesOfOneSlot_AskedAtOnceForASecond_NeverTradeAnswers()
    {
        // A person's User-Agent and a library's that share a slot, each thread asking mostly one and now and then the other,
        // so reads of one value race writes of the other. A memo without the version check answered 4,830 of 4.7 million
        // such calls with the other value's answer (review of 2026-11-29).
        var signatures = new UserAgentSignatures([(ClientCategory.Library, "^curl/")]);
        var padding = new string('x', 480);
        var personBySlot = new Dictionary<int, string>();
        for (var i = 0; personBySlot.Count < UserAgentSignatures.MemoSlots / 2; i++)
        {
            var value = $"Mozilla/5.0 {padding} {i}";
            personBySlot.TryAdd(value.GetHashCode() & (UserAgentSignatures.MemoSlots - 1), value);
        }

        string? person = null, library = null;
        for (var j = 0; library is null; j++)
        {
            var value = $"curl/8.5.0 {padding} {j}";
            if (personBySlot.TryGetValue(value.GetHashCode() & (UserAgentSignatures.MemoSlots - 1), out var sharing))
            {
                (person, library) = (sharing, value);
            }
        }

        Assert.Equal(ClientCategory.None, signatures.Scan(person!));
        Assert.Equal(ClientCategory.Library, signatures.Scan(library!));
        long wrong = 0, calls = 0;
        var until = Stopwatch.GetTimestamp() + Stopwatch.Frequency;
        using var start = new Barrier(2);
        void Ask(int shift)
        {
            start.SignalAndWait();
            long n = 0, bad = 0;
            while ((n & 1023) != 0 || Stopwatch.GetTimestamp() < until)
            {
                var asksLibrary = ((n++ >> shift) & 3) == 0;
                if (signatures.Match(asksLibrary ? library! : person!) != (asksLibrary ? ClientCategory.Library : ClientCategory.None))
                {
                    bad++;
                }
            }

            Interlocked.Add(ref wrong, bad);
            Interlocked.Add(ref calls, n);
        }

        var threads = new[] { new Thread(() => Ask(0)), new Thread(() => Ask(1)) };
        Array.ForEach(threads, t => t.Start());
        Array.ForEach(threads, t => t.Join());
        Assert.True(calls > 100_000, $"only {calls} calls");
        Assert.Equal(0, wrong);
    }

    [Fact]
    public void AValueTooLongToBeRemembered_IsStillMatched_EveryTime()
    {
        var library = "python-requests/2.32.3 " + new string('x', 2_000);
        Assert.Equal(ClientCategory.Library, _signatures.Scan(library));
        Assert.Equal(ClientCategory.Library, _signatures.Match(library));
        Assert.Equal(ClientCategory.Library, _signatures.Match(library));
    }

    [Fact]
    public void NewSignatures_StartWithoutTheOldAnswers()
    {
        // A reload builds a new set; a value that was a browser under the old patterns is matched by the new ones.
        const string value = "ExampleMailScanner/1.0 (compatible)";
        var before = new UserAgentSignatures([(ClientCategory.Crawler, "^Nothing-Like-It$")]);
        var after = new UserAgentSignatures([(ClientCategory.Scanner, "ExampleMailScanner")]);
        Assert.Equal(ClientCategory.None, before.Match(value));
        Assert.Equal(ClientCategory.Scanner, after.Match(value));
        Assert.Equal(ClientCategory.None, before.Match(value));
    }
}
