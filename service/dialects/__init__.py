"""Other APIs' HTTP dialects spoken on top of the native ``/v1`` API.

Each dialect has its request parsing, response shaping and error body here;
the blueprints in ``service/api/perspective.py`` and ``service/api/oip.py`` stay
thin. Both use the same loaded model, limits, API keys and metrics as ``/v1``.

* Perspective API (``/v1alpha1/comments:analyze`` and ``:suggestscore``), for
  comment platforms wired to Google Jigsaw's Perspective.
* Open Inference Protocol v2 (``/v2/...``), for KServe and Seldon MLServer clients.
"""
