namespace BlenderFarm.Workers.Ssh.Remote;

/// <summary>
/// Proves a host answers while a slot renders: every <paramref name="interval"/> it sends one ping, which must come
/// back within <paramref name="deadline"/>. The first ping that fails or does not come back in time reports the host
/// lost and ends the watch. Runs on the injected clock, so its tests need no real waiting.
/// </summary>
internal sealed class Liveness(TimeProvider time, TimeSpan interval, TimeSpan deadline)
{
    /// <summary>Pings until <paramref name="cancellationToken"/> ends the watch; returns why the host counts as lost, or null when the watch ended first.</summary>
    /// <param name="ping">Sends one ping; true when the host answered. It is abandoned (not awaited) once its deadline passes.</param>
    public async Task<string?> WatchAsync(Func<CancellationToken, Task<bool>> ping, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ping);
        try
        {
            while (true)
            {
                await Task.Delay(interval, time, cancellationToken).ConfigureAwait(false);
                using var timeout = new CancellationTokenSource(deadline, time);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
                try
                {
                    // WaitAsync: a ping that ignores its token (SSH.NET's Execute can deadlock) still cannot hold the watch.
                    if (await ping(linked.Token).WaitAsync(linked.Token).ConfigureAwait(false))
                    {
                        continue;
                    }

                    return "did not answer a ping";
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    return null;
                }
                catch (OperationCanceledException)
                {
                    return $"did not answer a ping within {deadline.TotalSeconds:0} s";
                }
                catch (Exception e) when (e is SshFailure or TimeoutException)
                {
                    return "did not answer a ping";
                }
            }
        }
        catch (OperationCanceledException)
        {
            return null; // the chunk ended
        }
    }

    /// <summary>How long to wait before connecting again after <paramref name="failures"/> failures in a row: none, then 2, 4, 8 ... seconds, at most 30.</summary>
    public static TimeSpan Backoff(int failures) => failures <= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(Math.Min(30, Math.Pow(2, Math.Min(failures, 5))));
}
