"""A stand-in ONVIF PTZ camera: a SOAP endpoint answering the few operations a PTZ follow uses.

Not a real camera (none can run here): it answers GetServices, GetSystemDateAndTime,
GetProfiles, ContinuousMove, Stop, GotoHomePosition and GetStatus with the shapes ONVIF's
WSDL defines, integrates the velocities it is sent into a position, and records every
request, so a test can check what a client asked for.
"""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from lxml import etree

NS = {
    "s": "http://www.w3.org/2003/05/soap-envelope", "tds": "http://www.onvif.org/ver10/device/wsdl",
    "trt": "http://www.onvif.org/ver10/media/wsdl", "tptz": "http://www.onvif.org/ver20/ptz/wsdl",
    "tt": "http://www.onvif.org/ver10/schema",
}
HEAD = ('<?xml version="1.0" encoding="UTF-8"?><s:Envelope ' + " ".join(f'xmlns:{k}="{v}"' for k, v in NS.items())
        + "><s:Body>")
TAIL = "</s:Body></s:Envelope>"


class FakeOnvifCamera:
    """Serve on a free port until ``stop``; ``requests`` lists (operation, fields) as received."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.pan = self.tilt = self.zoom = 0.0
        self._moving: tuple[float, float, float, float] | None = None  # velocities and until when
        self._lock = threading.Lock()
        camera = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                reply = camera.answer(body, f"http://127.0.0.1:{self.server.server_address[1]}")
                data = reply.encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/soap+xml; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _advance(self) -> None:
        if self._moving is None:
            return
        vx, vy, vz, until = self._moving
        now = time.monotonic()
        dt = min(now, until) - self._t
        self.pan = max(-1.0, min(1.0, self.pan + 0.5 * vx * dt))
        self.tilt = max(-1.0, min(1.0, self.tilt + 0.5 * vy * dt))
        self.zoom = max(0.0, min(1.0, self.zoom + 0.5 * vz * dt))
        self._t = now
        if now >= until:
            self._moving = None

    def answer(self, body: bytes, base: str) -> str:
        root = etree.fromstring(body)
        op_el = root.find("s:Body", NS)[0]  # type: ignore[index]
        op = etree.QName(op_el).localname
        fields: dict[str, Any] = {}
        with self._lock:
            self._advance()
            if op == "ContinuousMove":
                pt = op_el.find(".//tt:PanTilt", NS)
                zm = op_el.find(".//tt:Zoom", NS)
                timeout = op_el.findtext("tptz:Timeout", namespaces=NS) or "PT1S"
                seconds = float(timeout[2:-1])
                fields = {"x": float(pt.get("x")), "y": float(pt.get("y")), "zoom": float(zm.get("x")),
                          "timeout": seconds}
                self._t = time.monotonic()
                self._moving = (fields["x"], fields["y"], fields["zoom"], self._t + seconds)
            elif op == "Stop":
                self._moving = None
            elif op == "GotoHomePosition":
                self._moving = None
                self.pan = self.tilt = self.zoom = 0.0
            fields["profile"] = op_el.findtext("tptz:ProfileToken", namespaces=NS)
            self.requests.append((op, fields))
            return HEAD + self._reply(op, base) + TAIL

    def _reply(self, op: str, base: str) -> str:
        if op == "GetSystemDateAndTime":
            t = time.gmtime()
            return ("<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime><tt:DateTimeType>NTP</tt:DateTimeType>"
                    "<tt:DaylightSavings>false</tt:DaylightSavings><tt:UTCDateTime><tt:Time>"
                    f"<tt:Hour>{t.tm_hour}</tt:Hour><tt:Minute>{t.tm_min}</tt:Minute><tt:Second>{t.tm_sec}</tt:Second>"
                    f"</tt:Time><tt:Date><tt:Year>{t.tm_year}</tt:Year><tt:Month>{t.tm_mon}</tt:Month>"
                    f"<tt:Day>{t.tm_mday}</tt:Day></tt:Date></tt:UTCDateTime></tds:SystemDateAndTime>"
                    "</tds:GetSystemDateAndTimeResponse>")
        if op == "GetServices":
            services = "".join(
                f"<tds:Service><tds:Namespace>{ns}</tds:Namespace><tds:XAddr>{base}/onvif/{name}</tds:XAddr>"
                "<tds:Version><tt:Major>2</tt:Major><tt:Minor>0</tt:Minor></tds:Version></tds:Service>"
                for name, ns in (("device_service", NS["tds"]), ("media", NS["trt"]), ("ptz", NS["tptz"])))
            return f"<tds:GetServicesResponse>{services}</tds:GetServicesResponse>"
        if op == "GetProfiles":
            return ('<trt:GetProfilesResponse><trt:Profiles token="main" fixed="true"><tt:Name>main</tt:Name>'
                    "</trt:Profiles></trt:GetProfilesResponse>")
        if op == "GetStatus":
            return ("<tptz:GetStatusResponse><tptz:PTZStatus><tt:Position>"
                    f'<tt:PanTilt x="{self.pan:.4f}" y="{self.tilt:.4f}"/><tt:Zoom x="{self.zoom:.4f}"/>'
                    "</tt:Position><tt:UtcTime>2026-11-25T10:00:00Z</tt:UtcTime></tptz:PTZStatus>"
                    "</tptz:GetStatusResponse>")
        return f"<tptz:{op}Response/>"
