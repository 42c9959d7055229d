#!/usr/bin/python3
# gst-imgcompress
# Copyright (C) 2026 gst-imgcompress authors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Uploads in memory, variants back in memory: one long-lived pipeline

    appsrc ! imgcompressbin output=pads on-error=skip
        src_thumbnail_jpeg ! appsink, src_thumbnail_webp ! appsink, ...

fed with the files given on the command line, each announced with its name
and an id of our own, as a web application would feed its uploads.  Prints
every output buffer as it arrives (which upload, which output, how many
bytes) and, from the imgcompress-image-done message, each upload's metrics.

    ingest.py IMAGE [IMAGE ...]

Exit status: 0 when every upload gave all its outputs, 1 otherwise.
"""

import os
import sys
import threading

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstApp", "1.0")
gi.require_version("GstImgcompress", "1.0")
from gi.repository import GLib, Gst, GstApp, GstImgcompress  # noqa: E402

VARIANTS = ("thumbnail", "preview", "full")
# appsinks call back from their streaming threads
print_lock = threading.Lock()
FORMATS = ("jpeg", "webp")


def build_pipeline(on_buffer):
    pipeline = Gst.Pipeline.new("ingest")
    appsrc = Gst.ElementFactory.make("appsrc", "uploads")
    appsrc.set_property("format", Gst.Format.BYTES)
    bin_ = Gst.ElementFactory.make("imgcompressbin", "compress")
    Gst.util_set_object_arg(bin_, "output", "pads")
    Gst.util_set_object_arg(bin_, "on-error", "skip")
    pipeline.add(appsrc)
    pipeline.add(bin_)
    appsrc.link(bin_)
    # The source pads exist once the branches are built, in READY.
    pipeline.set_state(Gst.State.READY)
    for variant in VARIANTS:
        for fmt in FORMATS:
            sink = Gst.ElementFactory.make("appsink", "%s_%s" % (variant, fmt))
            # not async: a thumbnail does not wait for the largest variant
            sink.set_property("sync", False)
            sink.set_property("async", False)
            sink.set_property("emit-signals", True)
            sink.connect("new-sample", on_buffer)
            pipeline.add(sink)
            bin_.link_pads("src_%s_%s" % (variant, fmt), sink, "sink")
            sink.sync_state_with_parent()
    return pipeline, appsrc


def on_buffer(sink):
    sample = sink.emit("pull-sample")
    buf = sample.get_buffer()
    meta = GstImgcompress.buffer_get_imgcompress_image_meta(buf)
    enc = GstImgcompress.buffer_get_imgcompress_encode_meta(buf)
    caps = sample.get_caps().get_structure(0)
    with print_lock:
        print("buffer  %-10s %-9s %-4s %4dx%-4d q%-3d %7d bytes" % (
            meta.id, meta.variant, meta.format, caps.get_value("width"),
            caps.get_value("height"), enc.quality, buf.get_size()),
            flush=True)
    return Gst.FlowReturn.OK


def print_done(msg):
    with print_lock:
        return print_done_locked(msg)


def print_done_locked(msg):
    _, image, n_outputs = GstImgcompress.image_done_message_parse(msg)
    error, _ = GstImgcompress.image_done_message_get_error(msg)
    if error is not None:
        print("failed  %-10s %s: %s" % (image.id, image.name, error.message))
        return False
    print("done    %-10s %s: %s %dx%d, %d bytes in, %d outputs" % (
        image.id, image.name, GstImgcompress.format_to_string(image.format),
        image.width, image.height, image.input_bytes, n_outputs))
    for i in range(n_outputs):
        _, m = GstImgcompress.image_done_message_get_output(msg, i)
        print("          %-9s %-4s %4dx%-4d q%-3d %7d bytes (%5.1f %%) "
              "encode %.1f ms, done after %.1f ms" % (
                  m.variant, m.format, m.width, m.height, m.quality,
                  m.output_bytes, 100.0 * m.compression_ratio,
                  m.encode_time / 1e6, m.processing_time / 1e6))
    return True


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    Gst.init(None)
    pipeline, appsrc = build_pipeline(on_buffer)
    pipeline.set_state(Gst.State.PLAYING)

    def feed():
        for n, path in enumerate(argv[1:]):
            name = os.path.splitext(os.path.basename(path))[0]
            with open(path, "rb") as f:
                data = f.read()
            appsrc.send_event(GstImgcompress.image_start_event_new(
                name, "upload-%d" % n))
            buf = Gst.Buffer.new_wrapped(data)
            # the upload's last (here only) buffer: a damaged upload is
            # reported at once, not when the next one comes
            buf.set_flags(Gst.BufferFlags.MARKER)
            appsrc.push_buffer(buf)
        appsrc.end_of_stream()

    threading.Thread(target=feed, daemon=True).start()

    all_ok = True
    bus = pipeline.get_bus()
    while True:
        msg = bus.timed_pop(60 * Gst.SECOND)
        if msg is None:
            print("timed out", file=sys.stderr)
            all_ok = False
            break
        if msg.type == Gst.MessageType.EOS:
            break
        if msg.type == Gst.MessageType.ERROR:
            err, _ = msg.parse_error()
            print("error: %s" % err.message, file=sys.stderr)
            all_ok = False
            break
        if msg.type == Gst.MessageType.ELEMENT:
            s = msg.get_structure()
            if s.get_name() == "imgcompress-image-done":
                all_ok = print_done(msg) and all_ok
    pipeline.set_state(Gst.State.NULL)
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
