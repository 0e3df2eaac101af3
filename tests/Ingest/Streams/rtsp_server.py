#!/usr/bin/python3
"""A loopback RTSP server for the ingest tests (GStreamer's gst-rtsp-server).

Serves a moving test pattern as RTP/JPEG on rtsp://127.0.0.1:PORT/test, frames WxH at FPS.
Prints "ready PORT" once it listens; runs until killed (the test kills it to stop the stream).
Usage: rtsp_server.py PORT [WIDTH HEIGHT FPS [USER PASSWORD]]
"""
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402


def main() -> int:
    port = sys.argv[1]
    width, height, fps = (int(v) for v in sys.argv[2:5]) if len(sys.argv) >= 5 else (320, 240, 25)
    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(port)
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(
        f"( videotestsrc is-live=true pattern=ball ! video/x-raw,format=I420,width={width},height={height},framerate={fps}/1 "
        "! jpegenc quality=80 ! rtpjpegpay name=pay0 pt=26 )")
    # One pipeline for all clients: a reconnecting client joins the running stream.
    factory.set_shared(True)
    if len(sys.argv) >= 7:
        auth = GstRtspServer.RTSPAuth()
        token = GstRtspServer.RTSPToken()
        token.set_string(GstRtspServer.RTSP_TOKEN_MEDIA_FACTORY_ROLE, "user")
        auth.add_basic(GstRtspServer.RTSPAuth.make_basic(sys.argv[5], sys.argv[6]), token)
        server.set_auth(auth)
        permissions = GstRtspServer.RTSPPermissions()
        permissions.add_permission_for_role("user", GstRtspServer.RTSP_PERM_MEDIA_FACTORY_ACCESS, True)
        permissions.add_permission_for_role("user", GstRtspServer.RTSP_PERM_MEDIA_FACTORY_CONSTRUCT, True)
        factory.set_permissions(permissions)
    server.get_mount_points().add_factory("/test", factory)
    if server.attach(None) == 0:
        print(f"cannot listen on 127.0.0.1:{port}", file=sys.stderr, flush=True)
        return 1
    print(f"ready {port}", flush=True)
    GLib.MainLoop().run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
