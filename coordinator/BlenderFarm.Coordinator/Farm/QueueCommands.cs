using System.Globalization;
using BlenderFarm.Blender;
using BlenderFarm.Coordinator.Cli;
using BlenderFarm.Coordinator.Commands;
using BlenderFarm.Protocol;

namespace BlenderFarm.Coordinator.Farm;

/// <summary>
/// The farm's queue verbs: <c>submit</c>, <c>queue</c>, <c>priority</c>, <c>pause</c>, and <c>resume</c>/<c>cancel</c>
/// while a farm runs. Each sends one request to the running farm (the same methods the add-on calls) and prints the
/// result; <c>submit</c> starts the farm when none runs.
/// </summary>
internal static class QueueCommands
{
    private static readonly HashSet<string> SubmitValues = ["priority", "frames", "output", "chunk", "blender", "job-id"];
    private static readonly HashSet<string> SubmitFlags = ["paused", "allow-missing"];

    /// <summary><c>blenderfarm submit FILE.blend... [--priority N] [--paused] [--frames SPEC] [--output DIR] [--chunk auto|N] ...</c></summary>
    public static async Task<int> SubmitAsync(CliContext context, IReadOnlyList<string> arguments)
    {
        var line = CommandLine.Parse("submit", arguments, SubmitValues, SubmitFlags);
        if (line.Positional.Count == 0)
        {
            throw new UsageException("submit takes the .blend file(s) to queue: blenderfarm submit FILE.blend... [--priority N].");
        }

        if (line.Value("job-id") is not null && line.Positional.Count > 1)
        {
            throw new UsageException("--job-id names one job: give it with one .blend file.");
        }

        if (line.Value("output") is not null && line.Positional.Count > 1)
        {
            throw new UsageException("--output is one folder: give it with one .blend file (each file renders next to itself by default).");
        }

        var priority = ParseInt("--priority", line.Value("priority") ?? "0");
        var chunk = line.Value("chunk");
        RenderCommand.ParseChunk(chunk); // refuse a bad chunk here, before the farm starts
        await using var farm = await FarmClient.ConnectOrStartAsync(context.Store.Root, context.Time, CancellationToken.None).ConfigureAwait(false);
        foreach (var file in line.Positional)
        {
            var entry = await farm.CallAsync<QueueEntryInfo>(Methods.QueueSubmit, new QueueSubmitRequest
            {
                BlendFile = Path.GetFullPath(file),
                Frames = line.Value("frames"),
                OutputFolder = line.Value("output") is { } output ? Path.GetFullPath(output) : null,
                Chunk = chunk,
                BlenderPath = line.Value("blender"),
                AllowMissing = line.Flag("allow-missing"),
                Priority = priority,
                Paused = line.Flag("paused"),
                JobId = line.Value("job-id"),
            }, CancellationToken.None).ConfigureAwait(false);
            context.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Job {entry.JobId} queued with priority {entry.Priority} ({entry.Place}): {entry.Status.Total} frames of {file}"));
        }

        return ExitCodes.Ok;
    }

    /// <summary><c>blenderfarm queue</c>: the farm's jobs in the order it serves them.</summary>
    public static async Task<int> ListAsync(CliContext context, IReadOnlyList<string> arguments)
    {
        CommandLine.Parse("queue", arguments, CommandLine.NoOptions, CommandLine.NoOptions).Single("argument", required: false);
        await using var farm = await RunningFarmAsync(context, "queue").ConfigureAwait(false);
        var queue = await farm.CallAsync<QueueListReply>(Methods.QueueList, new QueueListRequest(), CancellationToken.None).ConfigureAwait(false);
        Print(context, queue);
        return ExitCodes.Ok;
    }

    /// <summary><c>blenderfarm priority JOB N</c></summary>
    public static async Task<int> PriorityAsync(CliContext context, IReadOnlyList<string> arguments)
    {
        var line = CommandLine.Parse("priority", arguments, CommandLine.NoOptions, CommandLine.NoOptions);
        if (line.Positional.Count != 2)
        {
            throw new UsageException("priority takes a job and a number: blenderfarm priority JOB N.");
        }

        var priority = ParseInt("the priority", line.Positional[1]);
        await using var farm = await RunningFarmAsync(context, "priority").ConfigureAwait(false);
        var entry = await farm.CallAsync<QueueEntryInfo>(Methods.QueuePriority,
            new QueuePriorityRequest { JobId = line.Positional[0], Priority = priority }, CancellationToken.None).ConfigureAwait(false);
        context.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Job {entry.JobId} has priority {entry.Priority} ({entry.Place})."));
        return ExitCodes.Ok;
    }

    /// <summary><c>blenderfarm pause JOB...</c>: with a farm running, the farm pauses them; otherwise the one-shot pause.</summary>
    public static async Task<int> PauseAsync(CliContext context, IReadOnlyList<string> arguments)
    {
        var jobs = JobIds("pause", arguments);
        if (await FarmClient.TryConnectAsync(context.Store.Root, CancellationToken.None).ConfigureAwait(false) is not { } running)
        {
            return await PauseCommand.RunAsync(context, jobs).ConfigureAwait(false);
        }

        await using var farm = running;
        var queue = await farm.CallAsync<QueueListReply>(Methods.QueuePause, new QueueJobsRequest { JobIds = jobs }, CancellationToken.None).ConfigureAwait(false);
        Print(context, queue);
        return ExitCodes.Ok;
    }

    /// <summary>
    /// <c>blenderfarm resume JOB...</c>: with a farm running, lets the jobs have its slots again (all at once); with
    /// none, or with options, the one-shot resume that renders the job in this process.
    /// </summary>
    public static async Task<int> ResumeAsync(CliContext context, IReadOnlyList<string> arguments)
    {
        if (arguments.Count == 0 || arguments.Any(a => a.StartsWith("--", StringComparison.Ordinal))
            || await FarmClient.TryConnectAsync(context.Store.Root, CancellationToken.None).ConfigureAwait(false) is not { } farm)
        {
            return await ResumeCommand.RunAsync(context, arguments).ConfigureAwait(false);
        }

        await using (farm.ConfigureAwait(false))
        {
            var queue = await farm.CallAsync<QueueListReply>(Methods.QueueResume, new QueueJobsRequest { JobIds = [.. arguments] }, CancellationToken.None).ConfigureAwait(false);
            Print(context, queue);
            return ExitCodes.Ok;
        }
    }

    /// <summary><c>blenderfarm cancel JOB</c>: with a farm running, it cancels the job itself; otherwise the one-shot cancel.</summary>
    public static async Task<int> CancelAsync(CliContext context, IReadOnlyList<string> arguments)
    {
        if (arguments.Count != 1 || arguments[0].StartsWith("--", StringComparison.Ordinal)
            || await FarmClient.TryConnectAsync(context.Store.Root, CancellationToken.None).ConfigureAwait(false) is not { } farm)
        {
            return await CancelCommand.RunAsync(context, arguments).ConfigureAwait(false);
        }

        await using (farm.ConfigureAwait(false))
        {
            var jobId = context.Jobs.Resolve(arguments[0]);
            var job = await farm.CallAsync<JobStatusInfo>(Methods.JobCancel, new JobRequest { JobId = jobId }, CancellationToken.None).ConfigureAwait(false);
            context.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Job {jobId} is {(job.Live ? "stopping" : job.Phase.ToString().ToLowerInvariant())} with {job.Done}/{job.Total} frames done."));
            return ExitCodes.Ok;
        }
    }

    private static void Print(CliContext context, QueueListReply queue)
    {
        context.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Farm queue: {queue.Jobs.Count} job(s), {queue.Slots} slot(s)"));
        foreach (var job in queue.Jobs)
        {
            var status = job.Status;
            context.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{job.JobId,-24} priority {job.Priority,3}  {job.Place,-9}  {job.Slots} slot(s)  {status.Done}/{status.Total} done  {Path.GetFileName(status.BlendFile)}"));
            if (job.Reason is { } reason)
            {
                context.Out.WriteLine($"  {reason}");
            }
        }
    }

    private static async Task<FarmClient> RunningFarmAsync(CliContext context, string verb) =>
        await FarmClient.TryConnectAsync(context.Store.Root, CancellationToken.None).ConfigureAwait(false)
        ?? throw new UserFacingException($"No farm is running ('{verb}' acts on the farm's queue): start one with 'blenderfarm serve' or 'blenderfarm submit FILE.blend'.");

    private static string[] JobIds(string verb, IReadOnlyList<string> arguments)
    {
        var line = CommandLine.Parse(verb, arguments, CommandLine.NoOptions, CommandLine.NoOptions);
        return line.Positional.Count > 0 ? [.. line.Positional] : throw new UsageException($"{verb} takes the job(s) to {verb}: blenderfarm {verb} JOB....");
    }

    private static int ParseInt(string what, string text) =>
        int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new UsageException($"{what} takes a whole number, not '{text}'.");
}
