using System.Buffers.Binary;
using System.IO.Hashing;
using System.Runtime.ExceptionServices;
using MessagePack;

namespace BlenderFarm.Domain.Journal;

/// <summary>
/// An append-only journal file: a header, then records framed as [length u32 LE][CRC-32 u32 LE][MessagePack payload].
/// Group commit: records are appended to a buffer in call order and one writer thread writes and flushes them to the
/// disk in batches, so one flush makes many records durable; each append's task completes once its batch is on disk.
/// A torn or corrupt tail (a crash mid-write) is detected by its length or checksum, skipped when reading, and cut off
/// before the next append. After a failed write nothing more is written (it would follow a torn record).
/// </summary>
public sealed class FileJobJournal : IJobJournal
{
    private static readonly byte[] Header = "BFJOURNAL1\n"u8.ToArray();
    private const int MaxRecordBytes = 64 * 1024 * 1024;

    private readonly FileStream _stream;
    private readonly object _gate = new();
    private readonly Thread _writer;
    private MemoryStream _pending = new();
    private MemoryStream _spare = new();
    private TaskCompletionSource _pendingDurable = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _pendingRecords;
    private int _writingRecords;
    private long _flushes;
    private ExceptionDispatchInfo? _failure;
    private bool _disposing;

    private FileJobJournal(FileStream stream)
    {
        _stream = stream;
        _writer = new Thread(WriteBatches) { IsBackground = true, Name = "journal writer" };
        _writer.Start();
    }

    /// <summary>How many times the writer flushed to the disk: far fewer than records when many slots write at once.</summary>
    public long Flushes => Interlocked.Read(ref _flushes);

    /// <summary>Records appended but not yet durable (being written or waiting for the writer).</summary>
    public int PendingRecords
    {
        get
        {
            lock (_gate)
            {
                return _pendingRecords + _writingRecords;
            }
        }
    }

    /// <summary>
    /// Creates a new journal holding its first record. The file appears whole (written aside, then renamed), so a
    /// reader never sees a journal without its job. Fails if the journal exists.
    /// </summary>
    public static FileJobJournal Create(string path, JournalRecord first)
    {
        if (File.Exists(path))
        {
            throw new IOException($"The journal {path} exists already.");
        }

        var temp = path + ".new";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(Header);
            stream.Write(Frame(first));
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, path);
        return OpenForAppend(path);
    }

    /// <summary>Opens an existing journal for appending, cutting off a torn tail first.</summary>
    public static FileJobJournal OpenForAppend(string path)
    {
        var read = Read(path);
        var stream = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.Read);
        if (read.TornTailBytes > 0)
        {
            stream.SetLength(read.ValidLength);
            stream.Flush(flushToDisk: true);
        }

        stream.Seek(read.ValidLength, SeekOrigin.Begin);
        return new FileJobJournal(stream);
    }

    public void Append(JournalRecord record) => AppendAsync(record).GetAwaiter().GetResult();

    public Task AppendAsync(JournalRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var frame = Frame(record);
        lock (_gate)
        {
            _failure?.Throw();
            ObjectDisposedException.ThrowIf(_disposing, this);
            _pending.Write(frame);
            _pendingRecords++;
            if (_pendingRecords == 1)
            {
                Monitor.Pulse(_gate);
            }

            return _pendingDurable.Task;
        }
    }

    /// <summary>The one writer: takes everything appended so far, writes it, flushes it to the disk, and says so.</summary>
    private void WriteBatches()
    {
        while (true)
        {
            MemoryStream batch;
            TaskCompletionSource durable;
            lock (_gate)
            {
                while (_pendingRecords == 0 && !_disposing)
                {
                    Monitor.Wait(_gate);
                }

                if (_pendingRecords == 0)
                {
                    return;
                }

                (batch, _pending, _spare) = (_pending, _spare, _pending);
                durable = _pendingDurable;
                _pendingDurable = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _writingRecords = _pendingRecords;
                _pendingRecords = 0;
            }

            Exception? failure = null;
            try
            {
                if (_failure is null)
                {
                    _stream.Write(batch.GetBuffer(), 0, (int)batch.Length);
                    _stream.Flush(flushToDisk: true);
                    Interlocked.Increment(ref _flushes);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ObjectDisposedException)
            {
                failure = e;
            }

            batch.SetLength(0);
            lock (_gate)
            {
                if (failure is not null)
                {
                    _failure ??= ExceptionDispatchInfo.Capture(failure);
                }

                if (_failure is { } failed)
                {
                    durable.TrySetException(failed.SourceException);
                }
                else
                {
                    durable.TrySetResult();
                }

                _writingRecords = 0;
            }
        }
    }

    private static byte[] Frame(JournalRecord record)
    {
        var payload = MessagePackSerializer.Serialize(record);
        var frame = new byte[8 + payload.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(frame, (uint)payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(4), Crc32.HashToUInt32(payload));
        payload.CopyTo(frame, 8);
        return frame;
    }

    /// <summary>Reads every intact record. Never throws for a damaged tail; it is reported instead.</summary>
    public static JournalReadResult Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < Header.Length || !bytes.AsSpan(0, Header.Length).SequenceEqual(Header))
        {
            throw new InvalidDataException($"{path} is not a BlenderFarm job journal.");
        }

        var records = new List<JournalRecord>();
        var offset = Header.Length;
        while (offset < bytes.Length)
        {
            var record = TryReadRecord(bytes, offset, out var next);
            if (record is null)
            {
                break;
            }

            records.Add(record);
            offset = next;
        }

        return new JournalReadResult(records, offset, bytes.Length - offset);
    }

    private static JournalRecord? TryReadRecord(byte[] bytes, int offset, out int next)
    {
        next = offset;
        if (bytes.Length - offset < 8)
        {
            return null;
        }

        var length = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(offset));
        var crc = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(offset + 4));
        if (length > MaxRecordBytes || length > bytes.Length - offset - 8)
        {
            return null;
        }

        var payload = new ReadOnlyMemory<byte>(bytes, offset + 8, (int)length);
        if (Crc32.HashToUInt32(payload.Span) != crc)
        {
            return null;
        }

        try
        {
            var record = MessagePackSerializer.Deserialize<JournalRecord>(payload);
            next = offset + 8 + (int)length;
            return record;
        }
        catch (MessagePackSerializationException)
        {
            return null;
        }
    }

    /// <summary>Makes every appended record durable (as far as the disk allows), then closes the file.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposing)
            {
                return;
            }

            _disposing = true;
            Monitor.Pulse(_gate);
        }

        _writer.Join();
        _stream.Dispose();
    }
}

/// <summary>The intact records of a journal, and how many bytes after them were torn or corrupt.</summary>
public sealed record JournalReadResult(IReadOnlyList<JournalRecord> Records, long ValidLength, long TornTailBytes);
