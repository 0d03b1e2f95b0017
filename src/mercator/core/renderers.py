from ninja.renderers import JSONRenderer


class Utf8JSONRenderer(JSONRenderer):
    """JSON with Chinese left readable instead of \\u escapes."""

    json_dumps_params = {"ensure_ascii": False}
