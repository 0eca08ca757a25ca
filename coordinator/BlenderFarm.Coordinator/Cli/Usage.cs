namespace BlenderFarm.Coordinator.Cli;

internal static class Usage
{
    public const string Text = """
        blenderfarm: render Blender animations across worker slots, resumably.

        Usage:
          blenderfarm render FILE.blend [--frames SPEC] [--output DIR] [--workers local[:N]|ssh:HOSTS|aws[:N]] [--chunk auto|N]
                                        [--blender PATH] [--allow-missing] [--job-id ID]
                                        [--host user@host[:port] ...] [--identity KEY] [--known-hosts FILE]
                                        [--accept-new-host-keys] [--shared-storage DIR [--mount-command CMD]]
                                        [--max-cost USD] [--max-instances N] [--aws-region R] [--aws-profile P]
                                        [--aws-types T1+T2] [--aws-ami AMI] [--aws-caller-cidr CIDR]
          blenderfarm demo [--workers local[:N]] [--output DIR] [--frames SPEC] [--blender PATH]
          blenderfarm resume [JOB] [--workers local[:N]|ssh:HOSTS|aws[:N]] [--blender PATH] [SSH and AWS options as for render]
          blenderfarm status [JOB]
          blenderfarm jobs
          blenderfarm cancel [JOB]
          blenderfarm bench [FILE.blend] [--frames SPEC] [--slots N] [--blender PATH] [--output DIR] [--ssh HOSTS]
          blenderfarm plan FILE.blend [--workers aws[:N]] [--frames SPEC] [--no-sample] [AWS options]   (prices, estimate)
          blenderfarm instances [AWS options]      (what BlenderFarm has running on AWS, with cost so far)
          blenderfarm teardown [--all-owners] [--delete-bucket] [AWS options]   (terminate BlenderFarm's instances, remove keys and groups; --delete-bucket: the S3 job files too)
          blenderfarm serve [--workers local[:N]] [--transport unix|tcp] [--idle-exit SECONDS]   (the farm: queue, pool, add-on server)
          blenderfarm submit FILE.blend... [--priority N] [--paused] [--frames SPEC] [--output DIR] [--chunk auto|N] [--job-id ID]
          blenderfarm queue                   (the farm's jobs in the order it serves them)
          blenderfarm priority JOB N          (higher first; a higher job takes the slots at their next chunk)
          blenderfarm pause JOB...
          blenderfarm resume JOB...           (with a farm running: its queue; otherwise renders here as above)
          blenderfarm help

        Frames: 1-250, 1,5,9, 1-100x4 (every 4th frame) and mixtures; the scene's own range by default.
        JOB is a job id or its unique start; without it, the newest job.
        AWS: credentials from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or a profile; settings as --workers aws:key=value,...
        or one key=value per line in $BLENDERFARM_HOME/aws.conf (region, types, max-instances, max-cost, ami, user, ...).
        Jobs live in $BLENDERFARM_HOME (default: your data folder, ~/.local/share/blenderfarm on Linux).
        Exit codes: 0 done, 1 frames failed, 2 bad input, 3 cancelled, 4 paused (resume it), 5 job busy.
        """;
}
