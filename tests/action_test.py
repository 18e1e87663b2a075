#!/usr/bin/env python3
"""The GitHub Action (action.yml), run as the runner runs it: each step's `if` is evaluated, its
`env` expressions are filled in from the inputs, the action path and earlier steps' outputs, and
its script runs with `bash --noprofile --norc -eo pipefail`, with GITHUB_OUTPUT and
GITHUB_STEP_SUMMARY files. `uses:` steps (the build cache) are not run here.

    action_test.py REPO_DIR BUILD_DIR
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest

import yaml

REPO = os.path.abspath(sys.argv[1])
BUILD = os.path.abspath(sys.argv[2])
del sys.argv[1:3]
SERVER = os.path.join(BUILD, "reference-server", "reference-server")
SCHEMA = os.path.join(REPO, "fixtures", "schemas", "junit-10.xsd")


class Runner:
    """The part of a GitHub runner a composite action's shell steps see."""

    def __init__(self, inputs, path_dirs, scratch):
        with open(os.path.join(REPO, "action.yml")) as f:
            self.action = yaml.safe_load(f)
        self.inputs = {name: spec.get("default", "")
                       for name, spec in self.action["inputs"].items()}
        unknown = set(inputs) - set(self.inputs)
        if unknown:
            raise ValueError(f"not inputs of the action: {unknown}")
        self.inputs.update(inputs)
        self.steps = {}
        self.scratch = scratch
        self.summary = os.path.join(scratch, "step_summary.md")
        open(self.summary, "w").close()
        self.env = {"PATH": os.pathsep.join(path_dirs + [os.environ["PATH"]]),
                    "HOME": os.environ.get("HOME", "/root"), "LANG": "C.UTF-8"}
        self.ran, self.skipped = [], []

    def expression(self, text):
        def value(m):
            expr = m.group(1).strip()
            if expr == "github.action_path":
                return REPO
            if expr == "runner.temp":
                return self.scratch
            if expr == "runner.os":
                return "Linux"
            if expr.startswith("inputs."):
                return self.inputs[expr[len("inputs."):]]
            step = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", expr)
            if step:
                return self.steps.get(step.group(1), {}).get(step.group(2), "")
            raise ValueError("expression the test does not know: " + expr)
        return re.sub(r"\$\{\{(.*?)\}\}", value, str(text))

    def condition(self, text):
        if text is None:
            return True
        m = re.fullmatch(r"\s*inputs\.([\w-]+)\s*==\s*'([^']*)'\s*", text)
        if not m:
            raise ValueError("condition the test does not know: " + text)
        return self.inputs[m.group(1)] == m.group(2)

    def run(self, cwd, only=None):
        """Runs every step (or only the one with id `only`) until one fails; returns that
        step's exit code (0 when all passed)."""
        for step in self.action["runs"]["steps"]:
            if only and step.get("id") != only:
                continue
            name = step.get("id", step.get("name"))
            if not self.condition(step.get("if")):
                self.skipped.append(name)
                continue
            if "uses" in step:
                self.skipped.append(name)
                continue
            output = os.path.join(self.scratch, f"output-{len(self.ran)}")
            open(output, "w").close()
            env = dict(self.env, GITHUB_OUTPUT=output, GITHUB_STEP_SUMMARY=self.summary)
            for key, value in (step.get("env") or {}).items():
                env[key] = self.expression(value)
            self.assertNoExpression(step["run"])
            done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c",
                                   step["run"]], cwd=cwd, env=env, capture_output=True,
                                  text=True, timeout=900)
            self.ran.append(name)
            self.log = getattr(self, "log", "") + done.stdout + done.stderr
            outputs = {}
            with open(output) as f:
                for line in f.read().splitlines():
                    key, _, val = line.partition("=")
                    outputs[key] = val
            if "id" in step:
                self.steps[step["id"]] = outputs
            if done.returncode != 0:
                return done.returncode
        return 0

    @staticmethod
    def assertNoExpression(script):
        # Inputs reach scripts through env only: an expression in a script is an injection.
        if "${{" in script:
            raise AssertionError("a ${{ }} expression inside a run script:\n" + script)

    def outputs(self):
        return {name: self.expression(spec["value"])
                for name, spec in self.action["outputs"].items()}


class Server:
    def __init__(self, *args):
        self.process = subprocess.Popen([SERVER, "--port", "0", *args], stdout=subprocess.PIPE,
                                        text=True)
        self.url = self.process.stdout.readline().strip()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(timeout=10)
        self.process.stdout.close()


class GitHubAction(unittest.TestCase):
    def setUp(self):
        self.scratch = tempfile.TemporaryDirectory(prefix="conformance-action-")
        self.work = os.path.join(self.scratch.name, "workspace")
        os.makedirs(self.work)

    def tearDown(self):
        self.scratch.cleanup()

    def runner(self, **inputs):
        return Runner({k.replace("_", "-"): v for k, v in inputs.items()}, [BUILD],
                      self.scratch.name)

    def test_a_clean_server_passes_and_the_four_reports_are_written(self):
        with Server() as server:
            runner = self.runner(base_url=server.url, install="none",
                                 args="--quiet --gtest_filter=Metadata.*:Pkce.*")
            code = runner.run(self.work)
        self.assertEqual(code, 0, runner.log[-3000:])
        self.assertEqual(runner.ran, ["source", "install", "run"])
        self.assertEqual(runner.skipped, ["cache"])
        outputs = runner.outputs()
        self.assertEqual(outputs["exit-code"], "0")
        for name in ["json", "junit", "html", "summary-md"]:
            path = os.path.join(self.work, outputs[name])
            self.assertTrue(os.path.isfile(path), name)
        with open(os.path.join(self.work, outputs["json"])) as f:
            record = json.load(f)
        self.assertEqual(record["target"]["base_url"], server.url)
        self.assertEqual(record["summary"]["fail"], 0)
        lint = subprocess.run(["xmllint", "--noout", "--schema", SCHEMA,
                               os.path.join(self.work, outputs["junit"])],
                              capture_output=True, text=True)
        self.assertEqual(lint.returncode, 0, lint.stderr)
        with open(runner.summary) as f:
            summary = f.read()
        with open(os.path.join(self.work, outputs["summary-md"])) as f:
            self.assertEqual(summary, f.read(), "the job summary is the Markdown summary")
        self.assertIn("## Conformance: no failure\n", summary)
        self.assertIn("| " + str(record["summary"]["pass"]) + " | 0 |", summary)

    def test_a_failure_fails_the_step_and_reaches_the_job_summary(self):
        with Server("--fault", "codes-reusable") as server:
            runner = self.runner(base_url=server.url, install="none", reports_dir="out",
                                 args="--quiet --gtest_filter=AuthorizationCode.*")
            code = runner.run(self.work)
        self.assertEqual(code, 1, runner.log[-3000:])
        self.assertEqual(runner.steps["run"]["exit-code"], "1")
        self.assertIn("::error::conformance found failures", runner.log)
        with open(runner.summary) as f:
            summary = f.read()
        self.assertIn("| AuthorizationCode.CodeIsSingleUse | CODE-01 | MUST | fail |", summary)
        self.assertTrue(os.path.isfile(os.path.join(self.work, "out", "conformance.html")))

    def test_with_a_previous_record_only_new_failures_fail_the_step(self):
        previous = os.path.join(self.scratch.name, "previous.json")
        with Server() as clean:
            runner = self.runner(base_url=clean.url, install="none", reports_dir="clean",
                                 args="--quiet --gtest_filter=AuthorizationCode.*")
            self.assertEqual(runner.run(self.work), 0, runner.log[-3000:])
        os.rename(os.path.join(self.work, "clean", "conformance.json"), previous)
        with Server("--fault", "codes-reusable") as faulty:
            # Against the clean run, CODE-01 is new: the step fails, and the diff joins the
            # job summary.
            runner = self.runner(base_url=faulty.url, install="none", reports_dir="new",
                                 args="--quiet --gtest_filter=AuthorizationCode.*",
                                 previous_record=previous, fail_on="new-failures")
            self.assertEqual(runner.run(self.work), 1, runner.log[-3000:])
            self.assertEqual(runner.steps["run"]["exit-code"], "1")
            self.assertEqual(runner.steps["run"]["diff-exit-code"], "1")
            with open(runner.summary) as f:
                summary = f.read()
            self.assertIn("## Conformance: 1 check failing", summary)
            self.assertIn("## Conformance diff", summary)
            with open(os.path.join(self.work, runner.outputs()["diff-json"])) as f:
                diff = json.load(f)
            self.assertEqual([c["check"] for c in diff["checks"] if c["change"] == "new_failure"],
                             ["AuthorizationCode.CodeIsSingleUse"])
            # Against a run with the same failure nothing is new: the step passes although the
            # run failed, and says so.
            failing_before = os.path.join(self.work, "new", "conformance.json")
            again = self.runner(base_url=faulty.url, install="none", reports_dir="again",
                                args="--quiet --gtest_filter=AuthorizationCode.*",
                                previous_record=failing_before, fail_on="new-failures")
            self.assertEqual(again.run(self.work), 0, again.log[-3000:])
            self.assertEqual(again.steps["run"]["exit-code"], "1")
            self.assertEqual(again.steps["run"]["diff-exit-code"], "0")
            self.assertIn("none new against", again.log)
            # The default, fail-on failures, still fails on the existing failure.
            strict = self.runner(base_url=faulty.url, install="none", reports_dir="strict",
                                 args="--quiet --gtest_filter=AuthorizationCode.*",
                                 previous_record=failing_before)
            self.assertEqual(strict.run(self.work), 1, strict.log[-3000:])

    def test_a_missing_previous_record_is_a_warning_and_the_run_decides(self):
        with Server() as server:
            runner = self.runner(base_url=server.url, install="none",
                                 args="--quiet --gtest_filter=Metadata.*",
                                 previous_record="no-such.json", fail_on="new-failures")
            self.assertEqual(runner.run(self.work), 0, runner.log[-3000:])
        self.assertIn("::warning::previous-record no-such.json does not exist", runner.log)
        self.assertNotIn("diff-exit-code", runner.steps["run"])

    def test_inputs_are_data_not_shell(self):
        canary = os.path.join(self.scratch.name, "injected")
        runner = self.runner(base_url=f"http://127.0.0.1:1/$(touch {canary})", install="none",
                             args=f"--quiet `touch {canary}` *")
        code = runner.run(self.work)
        self.assertEqual(code, 2, runner.log[-3000:])  # nothing answers, or an unknown argument
        self.assertFalse(os.path.exists(canary), "an input ran as a command")

    def test_an_unknown_install_mode_stops_before_anything_runs(self):
        runner = self.runner(base_url="http://127.0.0.1:1", install="pip")
        self.assertEqual(runner.run(self.work), 2)
        self.assertEqual(runner.ran, ["source"])
        self.assertIn("install must be build, package or none", runner.log)
        bad = self.runner(base_url="http://127.0.0.1:1", install="none", fail_on="sometimes")
        self.assertEqual(bad.run(self.work), 2)
        self.assertEqual(bad.ran, ["source"])
        self.assertIn("fail-on must be failures or new-failures", bad.log)

    def test_the_cache_key_is_a_stable_digest_of_the_source(self):
        a = self.runner(install="build")
        self.assertEqual(a.run(self.work, only="source"), 0, a.log)
        b = self.runner(install="package")
        self.assertEqual(b.run(self.work, only="source"), 0, b.log)
        self.assertRegex(a.steps["source"]["key"], r"^[0-9a-f]{40}$")
        self.assertEqual(a.steps["source"]["key"], b.steps["source"]["key"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
