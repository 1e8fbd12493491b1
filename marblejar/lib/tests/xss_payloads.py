"""Classic XSS payloads, in Markdown and HTML, for the Markdown renderer's tests.

Shared by the unit test (parses the output) and the browser test (renders it
in Chromium and listens for dialogs).
"""

PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.test/x.js></SCRIPT>",
    '<img src=x onerror="alert(1)">',
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<iframe src="javascript:alert(1)"></iframe>',
    '<a href="javascript:alert(1)">html link</a>',
    "[md link](javascript:alert(1))",
    "[upper](JaVaScRiPt:alert(1))",
    "[entity](&#106;avascript:alert(1))",
    "[hex entity](&#x6A;avascript:alert(1))",
    "[tab](java\tscript:alert(1))",
    "[spaces](  javascript:alert(1))",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[vb](vbscript:msgbox(1))",
    "![image](javascript:alert(1))",
    '![alt" onerror="alert(1)](https://example.org/x.png)',
    '[title](https://example.org "x\\" onmouseover=\\"alert(1)")',
    "<javascript:alert(1)>",
    "<a href=# onclick=alert(1)>click</a>",
    '<div style="background:url(javascript:alert(1))">styled</div>',
    '<body onload="alert(1)">',
    '<input autofocus onfocus="alert(1)">',
    '<details open ontoggle="alert(1)">',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<form action="javascript:alert(1)"><button>go</button></form>',
    "`<script>alert(1)</script>` and ```\n<script>alert(1)</script>\n```",
    "<!-- <script>alert(1)</script> -->",
    "<object data=javascript:alert(1)>",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "[ref][x]\n\n[x]: javascript:alert(1)",
    '<https://example.org/"onmouseover="alert(1)>',
]
