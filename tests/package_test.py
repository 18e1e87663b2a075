#!/usr/bin/env python3
"""The Debian package, as a user gets it: CPack builds it from this build tree, it is unpacked
into a scratch root (dpkg-deb -x, no root needed), and the unpacked programs must print their
version, list the checks, and pass a whole run against the unpacked reference server.

    package_test.py BUILD_DIR
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest

BUILD = os.path.abspath(sys.argv.pop(1)) if len(sys.argv) > 1 else "build/default"


def run(args, timeout=600, **kwargs):
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout, **kwargs)


class DebianPackage(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.scratch = tempfile.TemporaryDirectory(prefix="conformance-package-")
        cls.deb = cls.package(os.path.join(cls.scratch.name, "out"))
        cls.root = os.path.join(cls.scratch.name, "root")
        unpacked = run(["dpkg-deb", "-x", cls.deb, cls.root])
        if unpacked.returncode != 0:
            raise AssertionError("dpkg-deb -x failed: " + unpacked.stderr)
        cls.bin = os.path.join(cls.root, "usr", "bin")

    @classmethod
    def package(cls, out):
        made = run(["cpack", "-G", "DEB", "--config", os.path.join(BUILD, "CPackConfig.cmake"),
                    "-B", out])
        if made.returncode != 0:
            raise AssertionError("cpack failed:\n" + made.stdout + made.stderr)
        debs = [f for f in os.listdir(out) if f.endswith(".deb")]
        if len(debs) != 1:
            raise AssertionError(f"expected one .deb in {out}, found {debs}")
        return os.path.join(out, debs[0])

    @classmethod
    def tearDownClass(cls):
        cls.scratch.cleanup()

    def field(self, name):
        shown = run(["dpkg-deb", "--field", self.deb, name])
        self.assertEqual(shown.returncode, 0, shown.stderr)
        return shown.stdout.strip()

    def test_declares_its_runtime_dependencies(self):
        info = run(["dpkg-deb", "--info", self.deb])
        self.assertEqual(info.returncode, 0, info.stderr)
        depends = self.field("Depends")
        # The libraries the programs link, with versions from dpkg-shlibdeps.
        for package in ["libc6", "libcurl4", "libssl3", "libgumbo1", "libcpp-httplib0.11",
                        "libstdc++6"]:
            self.assertRegex(depends, r"(^|, )" + re.escape(package) + r"( \(|,|$)",
                             f"{package} missing from Depends: {depends}")
        self.assertIn("chromium", self.field("Suggests"))
        self.assertEqual(self.field("Package"), "conformance")

    def test_installs_programs_man_pages_and_documents(self):
        for path in ["usr/bin/conformance", "usr/bin/reference-server",
                     "usr/share/man/man1/conformance.1.gz",
                     "usr/share/man/man1/conformance-bench.1.gz",
                     "usr/share/man/man1/conformance-diff.1.gz",
                     "usr/share/man/man1/reference-server.1.gz",
                     "usr/share/doc/conformance/README.md",
                     "usr/share/doc/conformance/LICENSE",
                     "usr/share/doc/conformance/copyright"]:
            self.assertTrue(os.path.isfile(os.path.join(self.root, path)), path)
        # Nothing of the build's tests or benchmarks travels in the package.
        self.assertEqual(sorted(os.listdir(self.bin)), ["conformance", "reference-server"])
        # The man page is the program's own help: it names a flag the help lists.
        page = run(["sh", "-c", "gzip -dc " +
                    os.path.join(self.root, "usr/share/man/man1/conformance.1.gz")])
        self.assertIn("summary\\-md", page.stdout)
        self.assertIn('.SH "EXIT STATUS"', page.stdout)
        self.assertIn(".SH EXAMPLES", page.stdout)
        bench = run(["sh", "-c", "gzip -dc " +
                     os.path.join(self.root, "usr/share/man/man1/conformance-bench.1.gz")])
        self.assertIn("concurrency", bench.stdout)
        self.assertIn(".TH CONFORMANCE-BENCH ", bench.stdout)
        self.assertIn(".B conformance bench", bench.stdout)

    def test_packaging_the_same_build_again_gives_the_same_bytes(self):
        # Every file and archive member carries the commit's time (SOURCE_DATE_EPOCH), not
        # the time cpack ran.
        again = self.package(os.path.join(self.scratch.name, "again"))
        with open(self.deb, "rb") as a, open(again, "rb") as b:
            self.assertTrue(a.read() == b.read(), "two packages of one build differ")

    def test_version_matches_the_package(self):
        shown = run([os.path.join(self.bin, "conformance"), "--version"])
        self.assertEqual(shown.returncode, 0, shown.stderr)
        lines = shown.stdout.strip().splitlines()
        self.assertEqual(lines[0], "conformance " + self.field("Version"))
        self.assertRegex(lines[1], r"^catalogue \S+ \(\d+ requirements, profiles ")
        server = run([os.path.join(self.bin, "reference-server"), "--version"])
        self.assertEqual(server.stdout.strip(), "reference-server " + self.field("Version"))

    def test_lists_the_checks(self):
        listed = run([os.path.join(self.bin, "conformance"), "--list"])
        self.assertEqual(listed.returncode, 0, listed.stderr)
        self.assertGreater(len([l for l in listed.stdout.splitlines() if "." in l]), 100)

    def test_a_whole_run_against_the_unpacked_reference_server(self):
        server = subprocess.Popen([os.path.join(self.bin, "reference-server"), "--port", "0"],
                                  stdout=subprocess.PIPE, text=True)
        try:
            url = server.stdout.readline().strip()
            self.assertTrue(url.startswith("http://127.0.0.1:"), url)
            record = os.path.join(self.scratch.name, "run.json")
            done = run([os.path.join(self.bin, "conformance"), "--base-url", url, "--quiet",
                        "--json", record], timeout=900)
            self.assertEqual(done.returncode, 0, done.stdout[-3000:] + done.stderr[-2000:])
            with open(record) as f:
                result = json.load(f)
            self.assertEqual(result["tool"]["version"], self.field("Version"))
            self.assertEqual(result["summary"]["fail"], 0)
            self.assertEqual(result["summary"]["error"], 0)
            self.assertGreater(result["summary"]["pass"], 50)
        finally:
            server.terminate()
            server.wait(timeout=10)
            server.stdout.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
