using BlenderFarm.Workers.Ssh.Remote;
using Microsoft.Extensions.Time.Testing;

namespace BlenderFarm.Integration.Tests.Workers.Ssh;

/// <summary>The SSH slot's liveness ping and reconnect back-off, on a fake clock: no real waiting, no race with a busy machine.</summary>
public sealed class LivenessTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    [Test]
    public async Task A_ping_that_never_comes_back_marks_the_host_lost_once_its_deadline_passes_even_if_it_ignores_its_token()
    {
        var clock = new FakeTimeProvider();
        var pings = 0;
        var never = new TaskCompletionSource<bool>(); // like SSH.NET's deadlocked Execute: ignores cancellation
        var watch = new Liveness(clock, Interval, Deadline).WatchAsync(_ => { pings++; return never.Task; }, CancellationToken.None);

        clock.Advance(Interval);
        Assert.That(pings, Is.EqualTo(1));
        clock.Advance(Deadline - TimeSpan.FromSeconds(1));
        Assert.That(watch.IsCompleted, Is.False, "the ping still has time");
        clock.Advance(TimeSpan.FromSeconds(1));

        Assert.That(await watch.WaitAsync(TimeSpan.FromSeconds(10)), Is.EqualTo("did not answer a ping within 10 s"));
    }

    [Test]
    public async Task Pings_that_come_back_keep_the_host_and_the_first_failed_one_loses_it()
    {
        var clock = new FakeTimeProvider();
        var answers = new Queue<bool>([true, true, true, false]);
        var watch = new Liveness(clock, Interval, Deadline).WatchAsync(_ => Task.FromResult(answers.Dequeue()), CancellationToken.None);

        for (var i = 0; i < 3; i++)
        {
            clock.Advance(Interval);
            Assert.That(watch.IsCompleted, Is.False, $"ping {i + 1} came back");
        }

        clock.Advance(Interval);

        Assert.That(await watch.WaitAsync(TimeSpan.FromSeconds(10)), Is.EqualTo("did not answer a ping"));
        Assert.That(answers, Is.Empty);
    }

    [Test]
    public async Task A_ping_that_fails_on_the_link_loses_the_host()
    {
        var clock = new FakeTimeProvider();
        var watch = new Liveness(clock, Interval, Deadline).WatchAsync(_ => Task.FromException<bool>(new SshFailure("The connection to h failed: reset")), CancellationToken.None);

        clock.Advance(Interval);

        Assert.That(await watch.WaitAsync(TimeSpan.FromSeconds(10)), Is.EqualTo("did not answer a ping"));
    }

    [Test]
    public async Task Ending_the_chunk_ends_the_watch_without_a_loss_even_mid_ping()
    {
        var clock = new FakeTimeProvider();
        using var chunk = new CancellationTokenSource();
        var watch = new Liveness(clock, Interval, Deadline).WatchAsync(_ => new TaskCompletionSource<bool>().Task, chunk.Token);
        clock.Advance(Interval);

        await chunk.CancelAsync();

        Assert.That(await watch.WaitAsync(TimeSpan.FromSeconds(10)), Is.Null);
    }

    [Test]
    public void Reconnecting_backs_off_2_4_8_seconds_and_never_more_than_30()
    {
        Assert.That(Enumerable.Range(0, 8).Select(Liveness.Backoff).Select(t => t.TotalSeconds), Is.EqualTo(new[] { 0, 2, 4, 8, 16, 30, 30, 30 }));
    }
}
