"""What the panel says, as pure functions (no bpy), so the words and the line wrapping are unit-tested."""

WORKERS_BUTTON = {
    "LOCAL": "Render on This Computer",
    "SSH": "Render on Farm",
    "AWS": "Render on AWS",
}

WORKERS_NAME = {"LOCAL": "This Computer", "SSH": "SSH Hosts", "AWS": "AWS Spot"}

RENDER_ANYWAY = "Render Anyway"
CANCEL = "Cancel"


def render_button_label(kind):
    """The Render button's label for the workers kind the job will use (LOCAL, SSH, AWS)."""
    return WORKERS_BUTTON.get(kind, WORKERS_BUTTON["LOCAL"])


def rate_text(frames_per_minute, previous=""):
    """The rate line; a finished job's status has no rate any more, so the last measured one stays."""
    if frames_per_minute:
        return "%.1f frames/min" % frames_per_minute
    return previous or "-- frames/min"


def can_render(busy, phase, status_job_id, scene_job_id):
    """Render is offered unless the add-on is packing/submitting or this scene's job is still running."""
    if busy:
        return False
    return not (phase == "running" and status_job_id and status_job_id == scene_job_id)


def host_lines(hosts):
    """One line per worker host of the job's latest run (the status's "hosts"), with the Blender it runs."""
    return ["%s: Blender %s, %d slot%s" % (h["host"], h["blenderVersion"], h["slots"], "" if h["slots"] == 1 else "s")
            for h in hosts or []]


def missing_files_sentence(missing_report):
    """The refusal when files are missing, in the panel's words (the coordinator's text names a CLI flag)."""
    what = ": %s" % missing_report if missing_report else ""
    return ("Some files this scene uses are missing%s. Fix their paths, or press Render again and choose %s."
            % (what, RENDER_ANYWAY))


def wrap(text, width, measure=len):
    """Splits text into lines no wider than width as measured by measure (characters by default, blf pixels in
    Blender). Words longer than a line (paths) are broken at '/', '\\', '-', '_' or, failing that, anywhere, so no
    line is ever cut. Explicit newlines are kept."""
    lines = []
    for paragraph in (text or "").split("\n"):
        line = ""
        for word in paragraph.split():
            candidate = word if not line else line + " " + word
            if measure(candidate) <= width:
                line = candidate
                continue
            if line:
                lines.append(line)
                line = ""
            pieces = _break_word(word, width, measure)
            lines.extend(pieces[:-1])
            line = pieces[-1]
        lines.append(line)
    while len(lines) > 1 and not lines[-1]:
        lines.pop()
    return lines or [""]


def _break_word(word, width, measure):
    pieces = []
    while measure(word) > width:
        cut = _longest_fit(word, width, measure)
        preferred = max(word.rfind(c, 0, cut) for c in "/\\-_.")
        if preferred > 0:
            cut = preferred + 1
        pieces.append(word[:cut])
        word = word[cut:]
    pieces.append(word)
    return pieces


def _longest_fit(word, width, measure):
    cut = 1
    while cut < len(word) and measure(word[:cut + 1]) <= width:
        cut += 1
    return cut


def estimate_lines(figures):
    """The panel's lines for a `plan --json` answer (dict): instances and price, then time and cost when a sample
    frame gave them."""
    lines = ["Estimate: %d frames on %d x %s" % (figures["frames"], figures["instances"], figures["instanceType"]),
             "$%.4f/h each (%s)" % (figures["usdPerHour"], figures["zone"])]
    if figures.get("estimateUsd") is not None:
        lines.append("About %s, ~$%.2f (limit $%.2f)" % (
            _duration(figures["estimateSeconds"]), figures["estimateUsd"], figures["maxCostUsd"]))
    else:
        lines.append("Limit $%.2f; no sample frame, no cost yet" % figures["maxCostUsd"])
    return lines


def _duration(seconds):
    minutes = int(round(seconds / 60.0))
    return "%dh%02dm" % (minutes // 60, minutes % 60) if minutes >= 60 else "%d min" % max(1, minutes)


def size_text(count):
    """Bytes as the coordinator's terminal line writes them: 12.0 MB, 1.2 GB."""
    for unit, shift in (("GB", 30), ("MB", 20), ("KB", 10)):
        if count >= 1 << shift:
            return "%.1f %s" % (count / float(1 << shift), unit)
    return "%d B" % count


def upload_lines(upload):
    """The panel's lines for a `job.preparing` upload (dict): what is sent, at what rate and for how long yet, then
    what S3 already held; the first line goes on the progress bar."""
    eta = upload.get("etaSeconds")
    eta_text = "ETA %d:%02d" % (int(eta) // 60, int(eta) % 60) if eta is not None else "ETA --:--"
    lines = ["%s of %s, %s/s, %s" % (size_text(upload["sentBytes"]), size_text(upload["totalBytes"]),
                                      size_text(int(upload.get("bytesPerSecond") or 0)), eta_text)]
    skipped = upload.get("skippedFiles") or 0
    if skipped:
        lines.append("%d file%s (%s) already in S3" % (skipped, "" if skipped == 1 else "s",
                                                       size_text(upload.get("skippedBytes") or 0)))
    return lines


def upload_fraction(upload):
    """How far the upload is, 0 to 1; a job whose files S3 holds already is done at once."""
    total = upload["totalBytes"]
    return min(1.0, upload["sentBytes"] / float(total)) if total else 1.0
