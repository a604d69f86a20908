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
