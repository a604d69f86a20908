using System.IO.Compression;
using System.Runtime.CompilerServices;
using System.Text;

namespace LinkGateway.Evaluation;

/// <summary>
/// The log <c>evaluate</c> reads: a file, plain or gzip-compressed (ALB delivers its logs gzipped), read line by line. A
/// file that cannot be read, or is not text, is refused in one line (<see cref="LogRefusedException"/>, exit code 1).
/// The first lines are read ahead for detection and handed out again first.
/// </summary>
public sealed class LogInput : IAsyncDisposable
{
    private readonly FileStream _file;
    private readonly StreamReader _reader;
    private readonly List<(long Number, string Text)> _readAhead = [];
    private long _number;

    private LogInput(string name, FileStream file, Stream content)
    {
        Name = name;
        _file = file;
        _reader = new StreamReader(content, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
    }

    /// <summary>The path as given, for messages.</summary>
    public string Name { get; }

    /// <summary>Bytes of the file and how far it has been read, for the progress bar (compressed bytes for a gzip file).</summary>
    public long Length => _file.Length;

    public long Position => _file.Position;

    public static LogInput Open(string path)
    {
        RefuseDirectory(path);
        FileStream? file = null;
        try
        {
            // ReadWrite: a log may still be written to while it is replayed.
            file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1 << 16);
            Span<byte> magic = stackalloc byte[2];
            var gzip = file.ReadAtLeast(magic, 2, throwOnEndOfStream: false) == 2 && magic[0] == 0x1F && magic[1] == 0x8B;
            file.Position = 0;
            return new LogInput(path, file, gzip ? new GZipStream(file, CompressionMode.Decompress) : file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            file?.Dispose();
            throw CannotRead(path, e);
        }
    }

    /// <summary>A directory given where a file is read: refused by name, before .NET's "access denied" says something else.</summary>
    internal static void RefuseDirectory(string path)
    {
        if (Directory.Exists(path))
        {
            throw new LogRefusedException($"cannot read {path}: it is a directory");
        }
    }

    /// <summary>One input file of <c>evaluate</c> (the log, the labels) could not be opened or read: one line, exit code 1.</summary>
    internal static LogRefusedException CannotRead(string path, Exception e) => e is FileNotFoundException or DirectoryNotFoundException
        ? new LogRefusedException($"cannot read {Path.GetFullPath(path)}: file not found")
        : new LogRefusedException($"cannot read {path}: {e.Message}");

    /// <summary>
    /// The first <paramref name="count"/> non-empty lines, read ahead. Binary content (a NUL, or mostly bytes that are not
    /// UTF-8) is refused here, before anything is replayed.
    /// </summary>
    public async Task<IReadOnlyList<(long Number, string Text)>> SampleAsync(int count)
    {
        var sample = new List<(long Number, string Text)>(count);
        while (sample.Count < count && await ReadLineAsync() is { } line)
        {
            _readAhead.Add((_number, line));
            if (line.Contains('\0', StringComparison.Ordinal) || line.Count(ch => ch == '\uFFFD') * 10 > line.Length)
            {
                throw new LogRefusedException($"{Name} is not a text log (binary data on line {_number}); a compressed log other than gzip must be unpacked first");
            }

            if (!string.IsNullOrWhiteSpace(line))
            {
                sample.Add((_number, line));
            }
        }

        if (sample.Count == 0)
        {
            throw new LogRefusedException($"{Name} holds no log lines");
        }

        return sample;
    }

    /// <summary>Every line with its number from 1: the read-ahead ones first, then the rest of the file.</summary>
    public async IAsyncEnumerable<(long Number, string Text)> LinesAsync([EnumeratorCancellation] CancellationToken cancellation = default)
    {
        foreach (var line in _readAhead)
        {
            yield return line;
        }

        _readAhead.Clear();
        while (await ReadLineAsync() is { } line)
        {
            cancellation.ThrowIfCancellationRequested();
            yield return (_number, line);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _reader.Dispose();
        await _file.DisposeAsync();
    }

    private async Task<string?> ReadLineAsync()
    {
        try
        {
            var line = await _reader.ReadLineAsync();
            _number += line is null ? 0 : 1;
            return line;
        }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            throw new LogRefusedException($"cannot read {Name} after line {_number}: {e.Message}");
        }
    }
}

/// <summary>The log (or another file evaluate reads or writes) cannot be used; the message is one line that says why. The command exits with code 1.</summary>
public sealed class LogRefusedException(string message) : Exception(message);
