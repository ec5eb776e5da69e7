"""``GET /``: the page where a moderator pastes a text and reads it sentence by sentence.

One template (``templates/analyze.html``), one script and one stylesheet
(``static/``), all served by this application: no CDN, no web fonts, no build
step. The page calls ``POST /v1/analyze`` from the browser; when API keys are
enforced the moderator types a key into the page, which sends it as a bearer token.
"""

from flask import Blueprint, render_template

from training import LABELS

bp = Blueprint("page", __name__)


@bp.get("/")
def index():
    return render_template("analyze.html", labels=LABELS)
