#!/usr/bin/python3
"""CPU cost of colour management on the real-photo corpus, in one run.

Three sets of the same photos go through the imgcompress tool (-j 1, the
default variants and formats), each set ROUNDS times, interleaved so that
the machine's load falls on all three alike:

  untagged, --icc=ignore   no colour-management stage (today's pipeline)
  untagged, --icc=convert  the default: imgiccconvert in every branch,
                           passing the frames through
  P3-tagged, --icc=convert the same photos with a Display P3 profile
                           inserted as an APP2 segment (pixels unchanged),
                           converted to sRGB

CPU time is the tool's user + system time (getrusage of the child), the
median of the rounds.  Usage: bench/colour-cost.py [BUILD_DIR] [ROUNDS]
"""

import os
import resource
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def p3_profile(tmp):
    exe = os.path.join(tmp, "make-p3-icc")
    flags = subprocess.check_output(
        ["pkg-config", "--cflags", "--libs", "lcms2"], text=True).split()
    subprocess.check_call(["cc", "-o", exe,
                           os.path.join(HERE, "make-p3-icc.c")] + flags)
    return subprocess.check_output([exe])


def tag_jpeg(data, icc):
    """@data with @icc as an ICC_PROFILE APP2 segment after SOI."""
    payload = b"ICC_PROFILE\0\x01\x01" + icc
    return data[:2] + b"\xff\xe2" + struct.pack(">H", len(payload) + 2) + \
        payload + data[2:]


def run(tool, env, inputs, outdir, icc):
    shutil.rmtree(outdir, ignore_errors=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.check_call([tool, "-q", "-j", "1", "--icc", icc, "-o", outdir,
                           inputs], env=env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime -
                                                 before.ru_stime)


def main():
    build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else
                            os.path.join(ROOT, "build"))
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    corpus = subprocess.check_output(
        [os.path.join(ROOT, "tests", "files", "fetch-corpus.sh")],
        text=True).strip()
    tool = os.path.join(build, "tools", "imgcompress", "imgcompress")
    env = dict(os.environ)
    env["GST_PLUGIN_PATH_1_0"] = ":".join(
        os.path.join(build, d) for d in ("gst/imgcompress", "ext/turbojpeg",
                                         "ext/webp", "ext/png"))
    env["GST_REGISTRY_1_0"] = os.path.join(tempfile.gettempdir(),
                                           "colour-cost-registry.bin")

    with tempfile.TemporaryDirectory() as tmp:
        icc = p3_profile(tmp)
        plain = os.path.join(tmp, "plain")
        tagged = os.path.join(tmp, "p3")
        os.makedirs(plain)
        os.makedirs(tagged)
        photos = sorted(f for f in os.listdir(corpus) if f.endswith(".jpg"))
        for f in photos:
            data = open(os.path.join(corpus, f), "rb").read()
            open(os.path.join(plain, f), "wb").write(data)
            open(os.path.join(tagged, f), "wb").write(tag_jpeg(data, icc))
        print("corpus: %d JPEGs in %s; nproc %d; load %s" % (
            len(photos), corpus, os.cpu_count(),
            open("/proc/loadavg").read().split()[:3]))
        sets = (("untagged, --icc=ignore", plain, "ignore"),
                ("untagged, --icc=convert", plain, "convert"),
                ("P3-tagged, --icc=convert", tagged, "convert"))
        times = {label: [] for label, _, _ in sets}
        run(tool, env, plain, os.path.join(tmp, "out"), "ignore")  # warm-up
        for _ in range(rounds):
            for label, inputs, icc_mode in sets:
                times[label].append(run(tool, env, inputs,
                                        os.path.join(tmp, "out"), icc_mode))
        base = statistics.median(times[sets[0][0]])
        for label, _, _ in sets:
            t = statistics.median(times[label])
            print("%-26s CPU %7.2f s (median of %s)  %+6.2f %%" % (
                label, t, " ".join("%.2f" % x for x in times[label]),
                100.0 * (t - base) / base))
    return 0


if __name__ == "__main__":
    sys.exit(main())
