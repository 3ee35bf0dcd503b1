"""Takes the README's screenshots (run through scripts/screenshots, which serves the demo data).

Logs in as the demo learner and saves each page's first screenful at 1280 px and 390 px: the
viewport, not the whole page, is what a README reader needs. Each PNG is re-encoded with a
256-colour palette (4 bits per channel, the most used colours; flat UI colours survive), which
takes a 1280 px shot from about 140 KB to about 45 KB without a new dependency.
"""

from __future__ import annotations

import base64
import collections
import struct
import sys
import tempfile
import zlib
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.browser import CHROMEDRIVER, CHROMIUM  # noqa: E402

PAGES = {
    "dashboard": "/dashboard/",
    "path": "/paths/ai-project-manager/",
    "milestone": "/paths/ai-project-manager/leadership/ai-risk-mitigation/",
}
SIZES = ((1280, 860, "desktop"), (390, 844, "phone"))

# The screenshot's pixels, read back through a canvas (RGBA, row by row).
READ_PIXELS = """
var done = arguments[1], img = new Image();
img.onload = function () {
  var c = document.createElement('canvas'); c.width = img.width; c.height = img.height;
  var x = c.getContext('2d'); x.drawImage(img, 0, 0);
  var p = x.getImageData(0, 0, c.width, c.height).data, s = '';
  for (var i = 0; i < p.length; i += 32768) {
    s += String.fromCharCode.apply(null, p.subarray(i, i + 32768));
  }
  done([c.width, c.height, btoa(s)]);
};
img.src = 'data:image/png;base64,' + arguments[0];
"""


def palette_png(width: int, height: int, rgba: bytes) -> bytes:
    """An 8-bit palette PNG of the RGBA pixels (alpha dropped: screenshots are opaque)."""

    def level(v: int) -> int:
        return min(15, (v + 8) >> 4)

    pixels = [
        (level(rgba[i]) << 8) | (level(rgba[i + 1]) << 4) | level(rgba[i + 2])
        for i in range(0, 4 * width * height, 4)
    ]
    counts = collections.Counter(pixels)
    palette = [colour for colour, _ in counts.most_common(256)]

    def channels(colour: int) -> tuple[int, int, int]:
        return (colour >> 8) & 15, (colour >> 4) & 15, colour & 15

    index = {colour: i for i, colour in enumerate(palette)}
    known = [channels(c) for c in palette]
    for colour in counts:
        if colour not in index:  # a rare colour takes its nearest in the palette
            r, g, b = channels(colour)
            index[colour] = min(
                range(len(known)),
                key=lambda i: (
                    (known[i][0] - r) ** 2 + (known[i][1] - g) ** 2 + (known[i][2] - b) ** 2
                ),
            )
    rows = bytearray()
    for y in range(height):
        rows.append(0)  # filter: none (the best for palette images)
        rows.extend(index[c] for c in pixels[y * width : (y + 1) * width])

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 3, 0, 0, 0)
    colours = b"".join(bytes(v * 17 for v in channels(c)) for c in palette)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"PLTE", colours)
        + chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + chunk(b"IEND", b"")
    )


def main(base: str, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        "--disable-dev-shm-usage",
        f"--user-data-dir={tempfile.mkdtemp()}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        driver.get(base + "/accounts/login/")
        driver.find_element(By.NAME, "login").send_keys("demo@careerpath.local")
        driver.find_element(By.NAME, "password").send_keys("demo-learner-2026!")
        driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
        WebDriverWait(driver, 10).until(lambda d: d.current_url.endswith("/dashboard/"))
        total = 0
        for width, height, suffix in SIZES:
            driver.execute_cdp_cmd(
                "Emulation.setDeviceMetricsOverride",
                {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600},
            )
            for name, address in PAGES.items():
                driver.get(base + address)
                shot = driver.get_screenshot_as_base64()
                w, h, pixels = driver.execute_async_script(READ_PIXELS, shot)
                path = out / f"{name}-{suffix}.png"
                path.write_bytes(palette_png(w, h, base64.b64decode(pixels)))
                total += path.stat().st_size
                print(f"{path} {path.stat().st_size // 1024} KB")
        print(f"{total // 1024} KB in all")
    finally:
        driver.quit()


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]))
