#!/usr/bin/env python3
"""The Kubernetes example for sharded benches parses as YAML and is internally consistent:
an Indexed Job whose shards all run at once, numbered from 1 of the shard count the Job runs,
all starting together, and a merge Job reading what the shards write."""
import sys

import yaml


def main(path):
    with open(path, encoding="utf-8") as f:
        docs = [d for d in yaml.safe_load_all(f) if d is not None]
    kinds = [d["kind"] for d in docs]
    assert kinds == ["PersistentVolumeClaim", "Job", "Job"], kinds
    shards, merge = docs[1], docs[2]
    spec = shards["spec"]
    assert spec["completionMode"] == "Indexed", spec
    assert spec["completions"] == spec["parallelism"], "every shard must run at once"
    container = spec["template"]["spec"]["containers"][0]
    env = {e["name"]: e["value"] for e in container["env"]}
    assert int(env["SHARDS"]) == spec["completions"], (env, spec["completions"])
    command = " ".join(container["command"] + container["args"])
    for needed in ("conformance bench", '--shard "$((JOB_COMPLETION_INDEX + 1))/$SHARDS"',
                   '--start-at "$START_AT"', "/results/shard-"):
        assert needed in command, (needed, command)
    merge_command = " ".join(merge["spec"]["template"]["spec"]["containers"][0]["args"])
    assert "conformance bench merge /results/shard-*.json" in merge_command, merge_command
    wait = merge["spec"]["template"]["spec"]["initContainers"][0]
    wait_env = {e["name"]: e["value"] for e in wait["env"]}
    assert wait_env["SHARDS"] == env["SHARDS"], "the merge waits for every shard"
    claim = docs[0]["metadata"]["name"]
    for job in (shards, merge):
        volumes = job["spec"]["template"]["spec"]["volumes"]
        assert volumes[0]["persistentVolumeClaim"]["claimName"] == claim, volumes
    print(f"{path}: {len(docs)} documents, {spec['completions']} shards, consistent")


if __name__ == "__main__":
    main(sys.argv[1])
