"""The protocol's typed workers description (WorkersInfo) from the add-on's settings. Standard library only."""


def describe(kind, local_slots=0, hosts_file="", aws_region="", aws_profile="", aws_instance_types="",
             aws_max_instances=None, aws_max_cost=None):
    """What job.submit's "workers" carries for a kind (LOCAL, SSH, AWS); empty settings are left to the coordinator."""
    if kind == "LOCAL":
        return {"kind": "local", "slots": local_slots if local_slots > 0 else None}
    if kind == "SSH":
        return {"kind": "ssh", "hostsFile": hosts_file}
    if kind == "AWS":
        types = [t for t in aws_instance_types.replace(";", ",").replace("+", ",").replace(" ", "").split(",") if t]
        return {"kind": "aws", "aws": {
            "region": aws_region or None,
            "profile": aws_profile or None,
            "instanceTypes": types or None,
            "maxInstances": aws_max_instances,
            "maxCost": None if aws_max_cost is None else round(aws_max_cost, 2),
        }}
    raise ValueError("unknown workers kind %r" % (kind,))


def cli_text(description):
    """The same description as the coordinator's --workers text, for commands the add-on runs itself (`plan`)."""
    kind = description["kind"]
    if kind == "local":
        return "local:%d" % description["slots"] if description.get("slots") else "local"
    if kind == "ssh":
        return "ssh:" + description["hostsFile"]
    aws = description["aws"]
    pairs = [("region", aws.get("region")), ("profile", aws.get("profile")),
             ("types", "+".join(aws.get("instanceTypes") or [])), ("max-instances", aws.get("maxInstances")),
             ("max-cost", None if aws.get("maxCost") is None else "%.2f" % aws["maxCost"])]
    return "aws:" + ",".join("%s=%s" % (key, value) for key, value in pairs if value not in (None, ""))
