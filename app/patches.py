"""The one seam for Panel's and Bokeh's internals (and Python's garbage collector).

No other module of app/ touches a private name of Panel or Bokeh: not an attribute starting
with ``_``, not a registry, not a replaced method (tests/test_patches.py scans app/ for
``PRIVATE_NAMES``). ``install()`` applies the process-wide patches once per process;
``install_session()`` adds the per-session hooks. ``PATCHES`` gives each patch's reason and
its measured gain, and tests/test_patches.py has a contract per patch that fails naming the
internal that moved. Checked on the versions in ``CHECKED_ON`` (pinned in pyproject.toml).

``TINYNET_STOCK_PANEL=1`` in the environment, read once at import, runs Panel and Bokeh as
shipped; so does any other version of panel, bokeh or param than ``CHECKED_ON``'s (``UNCHECKED``
says which; the server logs it once as it starts): a patch that copies or replaces an internal
is only known to be right on the version its contract ran on. Stock mode: ``install()`` and
``install_session()`` do nothing, ``FloatSlider``, ``IntInput`` and ``HTML`` are Panel's own
classes (the slider with a ``set_css_var`` that goes through its public ``styles``),
``quiet_periodic_callback`` is Panel's ``add_periodic_callback`` and ``release_jscallbacks``
does nothing. The page works the same, only slower (benchmarks/bench_browser.py prints both).
Correctness in stock mode:
- freeing closed sessions is skipped: ``release_jscallbacks`` does nothing, so each closed
  tab's page stays reachable from Panel's ``Callback.registry`` (Panel 1.9.4's own leak:
  tests/test_serve.py's closed-session test fails under the switch, naming that chain); the
  garbage-collector freeze, whose unfreeze on close is what lets a page go, is off with it;
- Panel >= 1.9.2 drops a closed session's ``pn.state._views`` entries itself
  (holoviz/panel#8605): the former ``forget_views_when_closed`` patch is retired;
- ``page_stylesheet()`` (one stylesheet file for every part of a served page) is not a patch
  either, only Panel's own resolver for a component's ``_stylesheets``, the same in both modes;
- ``offline_resources()`` (the exported snapshot) is not a patch of Panel or Bokeh, only a
  subclass overriding public methods, and works the same in both modes.
"""
import asyncio
import base64
import gc
import gzip
import os
from importlib.metadata import version

import panel as pn
from bokeh.core.serialization import Deserializer, Serializer
from bokeh.document import document as _bokeh_document
from bokeh.protocol.messages.patch_doc import PatchJson
from bokeh.protocol.messages.patch_doc import patch_doc as _PatchDoc
from bokeh.resources import Resources
from bokeh.settings import settings as bokeh_settings
from panel.io import document as _panel_document
from panel.io import server as _panel_server
from panel.links import Callback
from param.parameterized import _syncing

# The exact versions the contracts were run on (pinned in pyproject.toml)
CHECKED_ON = {"panel": "1.9.4", "bokeh": "3.9.2", "param": "2.4.2"}


def unchecked_versions(found=version) -> str | None:
    """Which installed packages are not the versions the patches were checked on, as a
    sentence ("panel 1.10.0 is installed, checked on 1.9.4"); None if all are."""
    differ = [f"{name} {found(name)} is installed, checked on {checked}"
              for name, checked in CHECKED_ON.items() if found(name) != checked]
    return "; ".join(differ) or None


UNCHECKED = unchecked_versions()
STOCK = os.environ.get("TINYNET_STOCK_PANEL") == "1" or UNCHECKED is not None

# name -> what it replaces, why, and what it buys on its target (one line each; the figures,
# dated, and those from when each patch was added: docs/performance.md, "Patches").
PATCHES = {
    "no_debounce": "Syncable._debounce = 0 on weight sliders and the beacon: Panel waits 50 ms "
                   "before it handles a browser change (slider p50 ~60 -> ~12 ms)",
    "quick_acks": "FastAckInput._process_events: the page's acknowledgement of a drawn tick "
                  "handed to the Train loop directly (16 % of a process's time with 15 "
                  "sessions training)",
    "steps_at_once": "FastFloatSlider._server_change and _process_events: a slider step handled "
                     "while Bokeh applies the page's message, without edit_readonly (slider "
                     "p50 ~26 -> ~15 ms)",
    "not_busy": "_busy__ignore on slider and beacon values: Panel marks the session busy, a "
                "watched parameter, around each browser change (~4 ms a step)",
    "css_vars": "FastFloatSlider.set_css_var/_get_model/_models: a slider's ghost position set "
                "on its models, not through its styles parameter (a drawn tick 5.4-5.8 % less CPU)",
    "html_text_only": "FastHTML._update, set_html and bump: a changed HTML pane sends its text "
                      "only, the readouts and the beacon set straight on their models (slider "
                      "p50 34 -> 20 ms)",
    "nodelay": "WSHandler.open sets TCP_NODELAY: 4-10 % of slider steps stalled ~40 ms (Nagle "
               "meets delayed ACK)",
    "quick_write_retry": "panel.io.document.asyncio: a parked websocket write retries after "
                         "1 ms, not 10 (~10 ms off most keyboard steps)",
    "stranded_writes": "panel.io.document._dispatch_msgs sends what it finds queued with no "
                       "write under way (a lesson sent to 30 training learners never reached "
                       "1-3 pages in 4 of 6 runs)",
    "cached_references": "patch_doc.create, Document.apply_json_patch, Deserializer: no map of "
                         "every model per message, small arrays inside it (slider p50 20.4 -> "
                         "14.5-17 ms)",
    "quiet_callbacks": "PeriodicCallback._background: no busy flag or log records per Train "
                       "tick (~12 % of the server's time with 20 sessions training)",
    "release_jscallbacks": "Callback.registry: its value leads back to its key, so a closed "
                           "session's page was never freed (correctness: +70 MB a round of "
                           "10 tabs)",
    "offline_resources": "Resources.clone and js_files/css_files overridden: the exported "
                         "snapshot opens offline without Panel's script files (correctness)",
    "page_stylesheet": "panel.io.resources.resolve_stylesheet: the page's CSS as one file every "
                       "part links, not inlined in each (480 of 603 kB of a first document)",
    "local_dist_url": "Document._template_variables['dist_url']: a session built from its "
                      "websocket gets the local address of Panel's stylesheets (correctness: "
                      "offline, they were asked of Panel's CDN)",
    "shared_sockets": "bokeh.server.server.bind_sockets and HTTPServer._handle_connection: the "
                      "--num-procs workers take connections from one socket, the least loaded "
                      "first (correctness: the kernel's hash split 30 sessions 12/18)",
    "page_handler": "bokeh.server.urls.per_app_patterns: the page handler answers 503 past the "
                    "session cap and keeps a page's session until its websocket connects "
                    "(correctness: a slow page's session was built twice)",
    "stable_defaults": "PropertyDescriptor._get_default: a stable scalar default kept per class, "
                       "not recomputed on every read, an empty list, dict or set made without "
                       "copying and validating the class's (a new session ~20 % and 8 % less "
                       "CPU)",
    "quick_links": "Callback._process_callbacks: a page's links looked up in Panel's registry, "
                   "not by collecting every object and model of the page (~7 ms a session)",
    "lazy_pane_layouts": "PaneBase.__init__: a pane's ``layout`` Row, which a page never shows, "
                         "made when first read (a new session 6-8 % less CPU)",
    "kept_theme_modifiers": "Design._get_modifiers: a component class's theme modifiers kept "
                            "per class and theme, not re-read (two file searches) for every "
                            "component rendered and every widget change (a drawn tick 12-13 "
                            "% less CPU, a slider set 6-10 %)",
    "no_diagnostics": "Bokeh's setting perform_error_diagnostics off: no inspect.signature of "
                      "each callback Panel registers (a new session 160 -> 149 ms)",
    "read_what_is_sent": "HasProps.query_properties_with_values: a model serialised without its "
                         "defaults reads only what it sends (first document 25.1 -> 20.2 ms)",
    "themed_values_read": "HasProps.themed_values: a model's theme overrides read from its "
                          "__dict__, not by a getattr that raises and catches AttributeError "
                          "(a new session 6-9 % less CPU)",
    "gc": "gc thresholds and gc.freeze (not Panel): ~100 -> ~10 ms a second of collection, no "
          "0.5-1 s full passes with 20 sessions",
}


# Names that only this module may use (tests/test_patches.py scans the rest of app/ for them).
# Not listed: ``_update`` (FastHTML's override), because views name their own methods so;
# its contract test checks Panel's ``_update(ref, model)``.
PRIVATE_NAMES = (
    "_debounce", "_busy__ignore", "_get_model", "_models",
    "_transform_object", "_process_param_change", "_process_events", "_rerender_params",
    "_background",
    "_views", "_documents", "_dispatch_msgs", "_references", "_new_models", "registry",
    "apply_json_patch", "set_nodelay", "WSHandler", "Deserializer", "Serializer",
    "DocumentModelManager", "PropertyDescriptor", "panel.io.document", "panel.io.server",
    "bokeh.document.document", "resolve_stylesheet", "_template_variables", "bokeh.protocol",
    "bokeh.core.serialization", "panel.links", "clone", "per_app_patterns", "bind_sockets",
    "_process_callbacks", "_preprocessing_hooks", "_requires_target", "_callbacks",
    "_server_change", "_change_event", "_changing", "_events", "_handle_exception",
    "_in_process__events", "_process_property_change", "_syncing", "_encode_bytes", "_deferred",
    "_param__private", "PaneBase", "_sync_layoutable", "_skip_layoutable", "_internal_callbacks",
    "_get_modifiers", "_http", "_handle_connection",
    "panel.viewable",
    "query_properties_with_values", "_property_values", "_unstable_default_values",
    "_overridden_defaults",
)


class FastFloatSlider(pn.widgets.FloatSlider):
    """A FloatSlider whose browser-side changes are processed at once (no 50 ms debounce),
    and whose CSS custom properties can be set cheaply (see ``set_css_var``)."""

    _debounce = 0
    # a slider step is too small to be worth Panel's busy indicator (see PATCHES["not_busy"])
    _busy__ignore = ["value", "value_throttled"]

    def __init__(self, **params):
        super().__init__(**params)
        self._css_vars: dict[str, str] = {}

    def _server_change(self, doc, ref, subpath, attr, old, new):
        # A step of the slider's value is handled here, while Bokeh applies the page's message
        # (as a Bokeh server callback is), so its answer is written before Bokeh acknowledges
        # the message. Panel handles it on a later turn of the event loop, by which time Bokeh
        # is sending the acknowledgement one frame per turn, holding the socket: the answer
        # was parked behind it. Anything else, or a change already pending, goes Panel's way.
        if (subpath or attr != "value" or self._events or doc.session_context is None
                or attr in self._changing.get(ref, [])):
            return super()._server_change(doc, ref, subpath, attr, old, new)
        self._events = {attr: new}
        try:
            self._change_event(doc)
        except Exception as err:  # as Panel's deferred path reports it
            pn.state._handle_exception(err)

    def _process_events(self, events):
        # A value from the browser, as Panel sets it (marked as coming from the browser, so
        # it is not sent back) but without unlocking and relocking every parameter of the
        # slider around it (``edit_readonly``, ~0.3 ms): ``value`` is neither.
        value = self.param.value
        if set(events) != {"value"} or value.readonly or value.constant or pn.config.throttled:
            return super()._process_events(events)
        doc = pn.state.curdoc
        if doc is not None:
            self._in_process__events[doc] = events
        try:
            params = self._process_property_change(events)
            with _syncing(self, list(params)):
                self.param.update(**params)
        finally:
            if doc is not None:
                self._in_process__events.pop(doc, None)

    def set_css_var(self, name: str, value: str) -> None:
        """Set ``--name: value`` on the slider's element in every view of it (and later ones)."""
        self._css_vars[name] = value
        for model, _ in self._models.values():
            model.styles = {**model.styles, name: value}

    def css_var(self, name: str) -> str | None:
        """What ``set_css_var`` last set ``--name`` to."""
        return self._css_vars.get(name)

    def _get_model(self, doc, root=None, parent=None, comm=None):
        model = super()._get_model(doc, root, parent, comm)
        if self._css_vars:
            model.styles = {**model.styles, **self._css_vars}
        return model


class FastIntInput(pn.widgets.IntInput):
    """An IntInput whose browser-side changes are processed at once (no 50 ms debounce)."""

    _debounce = 0
    _busy__ignore = ["value"]


class FastAckInput(FastIntInput):
    """The page's acknowledgement of drawn ticks (app/loop.py): ``on_ack(value)`` is called
    with each value the page sends. Panel's path for a browser change (the widget's read-only
    parameters unlocked and locked again, a batched update that reads every parameter, a
    debug record) cost a busy process much of its time. The value goes straight to
    ``on_ack``; the parameter is not updated."""

    def __init__(self, on_ack, **params):
        super().__init__(**params)
        self._on_ack = on_ack

    def _process_events(self, events):
        if set(events) == {"value"}:
            self._on_ack(events["value"])
        else:
            super()._process_events(events)


class StockAckInput(pn.widgets.IntInput):
    """Panel's IntInput calling ``on_ack(value)`` through a watcher (stock mode)."""

    def __init__(self, on_ack, **params):
        super().__init__(**params)
        self.param.watch(lambda event: on_ack(event.new), "value")


class FastHTML(pn.pane.HTML):
    """An HTML pane that sends only the new ``text`` when its object changes.

    ``_update`` runs when one of ``_rerender_params`` (object, sanitize_html, sanitize_hook)
    changes, and for HTML those decide nothing but the text; other parameters (visible,
    styles, ...) still go through Panel's own path.
    """

    def _update(self, ref, model):
        if self.enable_streaming:
            return super()._update(ref, model)
        model.update(text=self._transform_object(self.object)["object"])


class StockFloatSlider(pn.widgets.FloatSlider):
    """Panel's FloatSlider with ``set_css_var`` through the public ``styles`` (stock mode)."""

    def set_css_var(self, name: str, value: str) -> None:
        """Set ``--name: value`` on the slider's element."""
        self.styles = {**self.styles, name: value}

    def css_var(self, name: str) -> str | None:
        """What ``set_css_var`` last set ``--name`` to."""
        return self.styles.get(name)


# What the app builds its widgets from: the patched classes, or Panel's own when stock
FloatSlider = StockFloatSlider if STOCK else FastFloatSlider
IntInput = pn.widgets.IntInput if STOCK else FastIntInput
AckInput = StockAckInput if STOCK else FastAckInput
HTML = pn.pane.HTML if STOCK else FastHTML


def _set_quietly(component, name: str, value) -> None:
    """Set a parameter's value without calling its watchers (callers send the change)."""
    component._param__private.values[name] = value


def bump(beacon) -> int:
    """``beacon.value + 1``, sent to the page; returns it. Patched, the value goes straight
    to the widget's models (Panel's path for a parameter change ran param's watchers and
    Panel's update machinery once a drawn tick); no watcher of it is called."""
    value = beacon.value + 1
    if STOCK or not isinstance(beacon, FastIntInput):
        beacon.value = value
        return value
    _set_quietly(beacon, "value", value)
    for model, _ in beacon._models.values():
        model.value = value
    return value


def set_html(pane, text: str) -> None:
    """``pane.object = text``; patched (a FastHTML pane, not streaming), the text goes
    straight to the pane's models, without param's watchers and Panel's path around them
    (the readouts change on every tick of training)."""
    if STOCK or not isinstance(pane, FastHTML) or pane.enable_streaming:
        pane.object = text
        return
    if text == pane.object:
        return
    _set_quietly(pane, "object", text)
    for ref, (model, _) in pane._models.items():
        pane._update(ref, model)  # what the watcher would have run: FastHTML's text-only update


def quiet_periodic_callback(callback, period: int):
    """``pn.state.add_periodic_callback(callback, period, start=False)`` without the busy
    indicator's bookkeeping or the start/end log records around every run."""
    cb = pn.state.add_periodic_callback(callback, period=period, start=False)
    if not STOCK:
        cb._background = True
        cb.log = False
    return cb


def release_jscallbacks(widget) -> None:
    """Drop ``widget``'s jscallbacks from Panel's class-wide registry, when its session ends.

    ``Callback.registry`` is a WeakKeyDictionary whose value (the callback, holding its
    ``args`` widgets, which lead back to ``widget``) keeps its key alive, and with it the
    whole page. Skipped in stock mode (Panel's leak then stays: see the module notes).
    """
    if not STOCK:
        Callback.registry.pop(widget, None)


def offline_resources() -> Resources:
    """Bokeh's JS and CSS inlined, and no external files: Panel, once imported, adds its
    components' script files (e.g. ReactiveESM's es-module-shims) to every Bokeh page, and a
    static page of plain Bokeh plots needs none of them. The same in stock mode."""

    class Offline(Resources):
        def clone(self, *, components=None) -> "Offline":  # Bokeh's clone makes a Resources
            return Offline(mode="inline", components=components or list(self.components))

        @property
        def js_files(self) -> list[str]:
            return []

        @property
        def css_files(self) -> list[str]:
            return []

    return Offline(mode="inline")


def page_stylesheet(owner: type, filename: str) -> str:
    """``filename`` (next to ``owner``'s module, listed in its ``_stylesheets``) for every part
    of the page: served, the URL of Panel's component-resource route, which Panel links from
    each part as one shared ``ImportedStyleSheet`` model (the browser fetches it once and caches
    it); elsewhere (a notebook, a static export), the CSS text itself."""
    from panel.io.resources import resolve_stylesheet

    return resolve_stylesheet(owner, filename, "_stylesheets")


def link_panel_locally(doc) -> None:
    """Panel links its own stylesheets from its CDN unless the document says where the server
    serves them (``dist_url``), which Panel sets when it renders the page. A session built
    from its websocket never renders one (``--num-procs``: the page came from the other
    process), so say it here as the page handler does. The same in stock mode (correctness)."""
    from panel.io.resources import LOCAL_DIST

    variables = doc._template_variables
    if "dist_url" not in variables:
        rel = pn.state.rel_path
        variables["dist_url"] = f"{rel}/{LOCAL_DIST}" if rel else LOCAL_DIST


def bind_shared_sockets(port: int, address: str) -> list:
    """The listening sockets the workers of --num-procs share (bound by their parent, before
    forking): Tornado's ``bind_sockets``, as Bokeh binds its own."""
    from tornado import netutil

    return netutil.bind_sockets(port, address)


def serve_on_shared_sockets(sockets) -> None:
    """Make the Bokeh server of this process listen on nothing itself: a worker of
    --num-procs takes its connections from the sockets its parent bound (``sockets``) through
    app/balance.py's gate, which hands each to the server (``connection_handler``). Bokeh
    binds through its module's ``bind_sockets(address, port)`` and starts accepting on what
    that returns; here it returns no socket and the shared one's port. Not a patch of Panel's
    behaviour otherwise; also in stock mode (correctness of ``--num-procs``)."""
    import bokeh.server.server as bokeh_server

    port = sockets[0].getsockname()[1]
    bokeh_server.bind_sockets = lambda address, _port: ([], port)


def connection_handler(server):
    """What takes a connection accepted for ``server`` (a Bokeh Server): its Tornado
    HTTPServer's ``_handle_connection(connection, address)``, the callback Tornado's own accept
    loop calls (``tornado.netutil.add_accept_handler``). Both private: Bokeh keeps its
    HTTPServer as ``_http`` and offers no public way to hand it a connection."""
    return server._http._handle_connection


# -- installing ---------------------------------------------------------------------------------
_installed = [False]


def wrap_page_handler(mixin: type) -> None:
    """Put ``mixin`` (app/capacity.py's ``PageSessions``) in front of the page handler of
    every app served from now on; nothing with TINYNET_STOCK_PANEL=1 (no session cap then).

    ``bokeh.server.urls.per_app_patterns`` is the undocumented table of per-app routes that
    Bokeh's server reads when it is built (Panel replaces its entries with its own handlers on
    import, the same way): neither offers a public hook that answers a page request, with a
    status and headers of its own, before a session is built.
    """
    if STOCK:
        return
    import panel.io.server  # noqa: F401  (Panel's handlers are in the table first)
    from bokeh.server import urls

    for i, (route, handler, *rest) in enumerate(urls.per_app_patterns):
        if route == r"/?":
            if not issubclass(handler, mixin):
                mixed = type(f"Tinynet{handler.__name__}", (mixin, handler), {})
                urls.per_app_patterns[i] = (route, mixed, *rest)
            return
    raise RuntimeError("no page handler (route '/?') in bokeh.server.urls.per_app_patterns: "
                       "app/patches.py needs updating for this Bokeh")


def install() -> None:
    """Apply the process-wide patches, once per process (nothing when stock)."""
    if STOCK or _installed[0]:
        return
    _installed[0] = True
    _skip_error_diagnostics()
    _enable_nodelay()
    _enable_quick_write_retry()
    _send_stranded_writes()
    _enable_cached_references()
    _keep_stable_defaults()
    _read_themed_values_directly()
    _read_only_what_is_sent()
    _find_links_quickly()
    _make_pane_layouts_when_read()
    _keep_theme_modifiers()
    _collect_less()


def install_session() -> None:
    """Hooks for the session being built (call from inside it; nothing when stock)."""
    if STOCK:
        return
    _freeze_when_loaded()


# -- Bokeh property defaults --------------------------------------------------------------------
_SCALARS = (bool, int, float, str, type(None))


def _is_scalar(value) -> bool:
    return isinstance(value, _SCALARS) or (
        isinstance(value, tuple) and all(isinstance(v, _SCALARS) for v in value))


def _theme_of(model) -> dict | None:
    """``model.themed_values()`` read where ``apply_theme`` keeps it, the instance's
    ``__dict__``: Bokeh's own ``getattr`` raises and catches an AttributeError through
    ``HasProps.__getattr__`` whenever no theme was ever applied (nearly always)."""
    return model.__dict__.get("__themed_values__")


def _keep_stable_defaults() -> None:
    """Read a property that was never set at the cost of a lookup: Bokeh recomputes such a
    value on every read (the class's overrides and the theme looked up, the default copied and
    validated), and building and serialising a session reads ~10,000 of them. Kept: a default
    that is the same for every instance of a class (Bokeh calls it stable: not a list, a dict,
    a model or a function's result) and a plain value or a tuple of them, read while no theme
    names the property. And an empty list, dict or set (an unstable default, which Bokeh makes
    for every new model, ~10 of them a model: tags, callbacks, stylesheets, ...): made empty
    again for each instance, owned by it and kept on it as Bokeh does, without copying and
    validating the class's default. Everything else takes Bokeh's own path."""
    from bokeh.core.property.descriptors import PropertyDescriptor
    from bokeh.core.property.wrappers import PropertyValueDict, PropertyValueList, PropertyValueSet

    if getattr(PropertyDescriptor, "_tinynet_stable", False):
        return
    original = PropertyDescriptor._get_default
    kept: dict = {}  # (descriptor, class) -> (default,)
    empty: dict = {}  # (descriptor, class) -> the container its default is, empty
    containers = (PropertyValueList, PropertyValueDict, PropertyValueSet)  # (not column data)

    def unthemed(descriptor, obj) -> bool:
        themed = _theme_of(obj)
        return themed is None or descriptor.name not in themed

    def _get_default(self, obj):
        key = (self, type(obj))
        hit = kept.get(key)
        if hit is not None and unthemed(self, obj):
            return hit[0]
        container = empty.get(key)
        if container is not None and unthemed(self, obj):
            own = obj._unstable_default_values
            if self.name not in own:
                own[self.name] = value = container()
                value._register_owner(obj, self)
            return own[self.name]
        value = original(self, obj)
        if not unthemed(self, obj):
            return value
        if (self.name not in obj._unstable_default_values
                and self.name not in obj._unstable_themed_values and _is_scalar(value)):
            kept[key] = (value,)
        elif (type(value) in containers and not value
              and obj._unstable_default_values.get(self.name) is value):
            empty[key] = type(value)
        return value

    _get_default.__wrapped__ = original
    PropertyDescriptor._get_default = _get_default
    PropertyDescriptor._tinynet_stable = True


def _read_themed_values_directly() -> None:
    """Bokeh's ``HasProps.themed_values()`` is ``getattr(self, '__themed_values__', None)``:
    the attribute, set by ``apply_theme`` only when a theme overrides something, is missing
    on nearly every model, and each read then goes through ``HasProps.__getattr__`` and
    raises and catches an AttributeError. Bokeh reads it for every default it computes and
    every model it serialises. The same value is
    read from the instance's ``__dict__``, where ``apply_theme`` puts it."""
    from bokeh.core.has_props import HasProps

    own = HasProps.themed_values
    if getattr(own, "_tinynet", False):
        return

    def themed_values(self):
        return _theme_of(self)

    themed_values._tinynet = True
    themed_values.__wrapped__ = own
    HasProps.themed_values = themed_values


def _read_only_what_is_sent() -> None:
    """Bokeh serialises a model without its defaults (``include_defaults=False``, its
    setting's default) by reading every one of its properties, ~60 on a widget, and then
    leaving out those that were never set (its own TODO: "this should happen before
    get_value()"). The read is needed only where it can fail (a property with no default,
    which raises UnsetValueError) or where the value is sent: a property never set whose
    class gives it a default, that no theme overrides and that is not an unstable default
    (those are sent), is now skipped unread. Everything else takes Bokeh's own loop."""
    from bokeh.core.has_props import HasProps
    from bokeh.core.property.descriptors import PropertyDescriptor, UnsetValueError
    from bokeh.core.property.singletons import Undefined
    from bokeh.core.property.wrappers import PropertyValueContainer

    own = HasProps.query_properties_with_values
    if getattr(own, "_tinynet", False):
        return
    skippable: dict = {}  # class -> names whose default is never Undefined

    def defaulted(cls) -> frozenset:
        names = skippable.get(cls)
        if names is None:
            overridden = cls._overridden_defaults()
            names = skippable[cls] = frozenset(
                name for name in cls.properties(_with_props=True)
                if type(cls.lookup(name)) is PropertyDescriptor
                and overridden.get(name, cls.lookup(name).property._default) is not Undefined)
        return names

    def query_properties_with_values(self, query, *, include_defaults=True,
                                     include_undefined=False):
        if include_defaults:
            return own(self, query, include_defaults=True, include_undefined=include_undefined)
        # Bokeh's own loop for include_defaults=False, the unread names skipped first
        selected = set(self._property_values.keys()) | set(self._unstable_default_values.keys())
        themed_keys: set = set()
        themed_values = self.themed_values()
        if themed_values is not None:
            themed_keys = set(themed_values.keys())
            selected |= themed_keys
        unread = defaulted(type(self))
        result = {}
        for key in self.properties(_with_props=True):
            if key in unread and key not in selected:
                continue  # a default, never sent (Bokeh reads it, then leaves it out)
            descriptor = self.lookup(key)
            if not query(descriptor):
                continue
            try:
                value = descriptor.get_value(self)
            except UnsetValueError:
                if include_undefined:
                    value = Undefined
                else:
                    raise
            else:
                if key not in selected:
                    continue
                if key not in themed_keys:
                    if (isinstance(value, PropertyValueContainer)
                            and key in self._unstable_default_values):
                        continue
            result[key] = value
        return result

    query_properties_with_values._tinynet = True
    query_properties_with_values.__wrapped__ = own
    HasProps.query_properties_with_values = query_properties_with_values


# -- Panel's links -------------------------------------------------------------------------------
def _find_links_quickly() -> None:
    """Find the links (jscallback, jslink) of a page being rendered from Panel's registry of
    them, not by collecting every object and model of the page: Panel's
    ``Callback._process_callbacks`` walked the ~110 objects and ~175 models of a new page
    to find the one link it has (the Train loop's beacon). Decided here only
    when the registry alone can decide, as Panel would: a whole page rendered (Panel passes
    the page as ``changed``; a part re-rendered is another object), every link's source a
    Panel object and no target a Bokeh model, HoloViews not loaded. Anything else takes
    Panel's own path."""
    import sys

    from bokeh.model import Model
    from panel.reactive import Reactive
    from panel.viewable import Viewable

    if getattr(Callback, "_tinynet_quick_links", False):
        return
    stock = Callback._process_callbacks  # bound to the class
    original = stock.__func__

    def decidable(entries) -> bool:
        return "holoviews" not in sys.modules and all(
            isinstance(src, Reactive)
            and not any(isinstance(getattr(link, "target", None), Model) for link in links)
            for src, links in entries)

    def process(cls, root_view, root_model, changed=None, old_models=None):
        entries = list(cls.registry.items())
        if changed is not root_view or not root_model or not decidable(entries):
            return original(cls, root_view, root_model, changed, old_models)
        ref = root_model.ref["id"]
        for src, links in entries:
            if ref not in src._models:  # not on this page
                continue
            for link in links:
                target = getattr(link, "target", None)
                if (getattr(link, "_requires_target", False) and target is None) or (
                        target is not None and ref not in getattr(target, "_models", [ref])):
                    continue
                cls._callbacks[type(link)](root_model, link, src, target, arg_overrides={})

    process.__wrapped__ = original
    Callback._process_callbacks = classmethod(process)
    hooks = Viewable._preprocessing_hooks  # the stock hook, if a link was made already
    hooks[:] = [Callback._process_callbacks if hook == stock else hook for hook in hooks]
    Callback._tinynet_quick_links = True


# -- Bokeh's error diagnostics ------------------------------------------------------------------
def _skip_error_diagnostics() -> None:
    """Bokeh's ``perform_error_diagnostics`` setting (on by default) checks the signature of
    every property callback registered (``inspect.signature``: Panel registers one for each
    model of a page, ~250 a new session) and, for an attribute
    error, looks for similar names with difflib, also where Bokeh catches the error itself
    (``getattr(model, name, default)``). Off in this process, as Bokeh's settings allow,
    unless ``BOKEH_PERFORM_ERROR_DIAGNOSTICS`` says otherwise: a callback with a wrong
    signature then fails when first called, and an attribute error names no similar ones."""
    if "BOKEH_PERFORM_ERROR_DIAGNOSTICS" not in os.environ:
        bokeh_settings.perform_error_diagnostics.set_value(False)


# -- a pane's layout ----------------------------------------------------------------------------
def _make_pane_layouts_when_read() -> None:
    """Panel wraps every pane it makes in a layout of its own (``pane.layout``, a Row holding
    the pane, kept in step with the pane's width, margin, ...), for ``pn.panel(obj)`` to
    return and for a pane shown on its own. A page made of panes placed in columns never
    shows those Rows: ~30 of them a session, each a Parameterized with its watchers. Here
    ``PaneBase.__init__`` is Panel's own less those lines; the Row is made, and kept in step
    from then on, when ``layout`` is first read."""
    from panel.pane.base import PaneBase
    from panel.viewable import Layoutable

    original = PaneBase.__init__
    if getattr(original, "_tinynet", False):
        return

    def __init__(self, object=None, **params):
        self._object_changing = False
        super(PaneBase, self).__init__(object=object, **params)
        if not hasattr(self, "_internal_callbacks"):
            self._internal_callbacks = []
        applies = self.applies(self.object, **(params if self._applies_kw else {}))
        if (isinstance(applies, bool) and not applies) and self.object is not None:
            self._type_error(self.object)
        self._tinynet_layout_kwargs = {k: v for k, v in params.items()
                                       if k in Layoutable.param and k not in self._skip_layoutable}

    def get_layout(self):
        layout = self.__dict__.get("_tinynet_layout")
        if layout is None:  # what Panel's __init__ does, done now
            layout = self.default_layout(self, **(self._tinynet_layout_kwargs or {}))
            self.__dict__["_tinynet_layout"] = layout
            self._internal_callbacks.append(
                self.param.watch(self._sync_layoutable, list(Layoutable.param)))
            self._sync_layoutable()
        return layout

    def set_layout(self, layout):
        self.__dict__["_tinynet_layout"] = layout

    __init__._tinynet = True
    __init__.__wrapped__ = original
    PaneBase.__init__ = __init__
    PaneBase.layout = property(get_layout, set_layout)
    PaneBase._tinynet_layout_kwargs = None


def _keep_theme_modifiers() -> None:
    """Panel's ``Design._get_modifiers`` (the theme's parameters for a component, asked for
    each component rendered, and by ``Reactive._update_properties`` for every change of a
    widget's parameter) looks its class's modifiers up in a cache, then reads the theme's
    ``base_css`` and ``css``: file parameters, each read a search of the file system. The
    whole answer is kept here, per component class, theme and the theme's own CSS settings,
    and given out as Panel gives it: a new dict with a new stylesheet list, the rest shared as
    Panel's cache shares it."""
    from panel.io.state import state
    from panel.theme.base import Design, Theme

    own = Design.__dict__["_get_modifiers"].__func__
    if getattr(own, "_tinynet", False):
        return
    kept: dict = {}

    def _get_modifiers(cls, viewable, theme=None, isolated=True):
        is_server = (bool(state.curdoc.session_context)
                     if not state._is_pyodide and state.curdoc else False)
        if isinstance(theme, Theme):
            own_css = theme._param__private.values  # set on the theme itself, not its class
            key = (cls, type(viewable), type(theme), isolated, is_server,
                   own_css.get("base_css"), own_css.get("css"))
        else:
            key = (cls, type(viewable), theme, isolated, is_server)
        hit = kept.get(key)
        if hit is None:
            hit = kept[key] = own(cls, viewable, theme, isolated)
        modifiers, child_modifiers = hit
        modifiers = dict(modifiers)
        if "stylesheets" in modifiers:
            modifiers["stylesheets"] = list(modifiers["stylesheets"])
        return modifiers, child_modifiers

    _get_modifiers._tinynet = True
    _get_modifiers.__wrapped__ = own
    Design._get_modifiers = classmethod(_get_modifiers)


# -- Python's garbage collector -----------------------------------------------------------------
GC_THRESHOLDS = (50_000, 20, 10)  # Python's defaults are (700, 10, 10)


def _collect_less() -> None:
    """Run the garbage collector less often: it scanned the youngest objects every 700
    allocations, and with 20 sessions (~300 MB of objects) spent much of each second on it."""
    if gc.get_threshold()[0] < GC_THRESHOLDS[0]:
        gc.set_threshold(*GC_THRESHOLDS)


RECLAIM_QUIET_S = 6.0  # after the last session ended (Panel's own collection waits 5 s)
RECLAIM_WITHIN_S = 30.0  # after the first ended session not yet reclaimed, at the latest
_reclaim: dict = {"first": None, "timer": None}  # the pending reclaim, if a session ended


def _freeze_when_loaded() -> None:
    """Once this session's page has loaded, move every object Python has so far out of the
    full collections' way (``gc.freeze``): with 20 sessions a full collection took 0.5-1 s,
    every 10-20 s while they trained, and stalled them all. When a session ends, everything
    is unfrozen so that it can be freed, and one full collection (then a freeze) follows
    RECLAIM_QUIET_S after the last of a run of ended sessions: not on a page load, where it
    delayed the next arrival ~100 ms, and once for many closed tabs. Pages loaded meanwhile
    are not frozen (that would freeze the ended sessions' garbage with them)."""
    def freeze():
        if _reclaim["first"] is None:
            gc.collect(1)  # the young garbage first, so it is not kept
            gc.freeze()

    def unfreeze(context):
        from tornado.ioloop import IOLoop

        gc.unfreeze()
        loop = IOLoop.current()
        now = loop.time()
        if _reclaim["first"] is None:
            _reclaim["first"] = now
        if _reclaim["timer"] is not None:
            _reclaim["timer"][0].remove_timeout(_reclaim["timer"][1])
        at = min(now + RECLAIM_QUIET_S, _reclaim["first"] + RECLAIM_WITHIN_S)
        _reclaim["timer"] = (loop, loop.call_at(at, reclaim))

    def reclaim():
        _reclaim.update(first=None, timer=None)
        gc.collect()
        gc.freeze()

    pn.state.onload(freeze)
    pn.state.on_session_destroyed(unfreeze)


# -- the websocket ------------------------------------------------------------------------------
class _QuickRetryAsyncio:
    """Stands in for ``asyncio`` inside panel.io.document: the same, but sleeps at most 1 ms."""

    def __getattr__(self, name):
        return getattr(asyncio, name)

    @staticmethod
    async def sleep(delay, *args, **kwargs):
        return await asyncio.sleep(min(delay, 0.001), *args, **kwargs)


def _enable_quick_write_retry() -> None:
    """Retry a parked websocket write after 1 ms instead of Panel's 10 ms: when a batch is
    ready while Bokeh acknowledges the browser's previous message (a keyboard step always
    sends value + value_throttled), Panel parks it behind ``asyncio.sleep(0.01)``."""
    if not isinstance(_panel_document.asyncio, _QuickRetryAsyncio):
        _panel_document.asyncio = _QuickRetryAsyncio()


def _send_stranded_writes() -> None:
    """Send a session's websocket messages that Panel queued and then forgot.

    ``schedule_write_events`` marks the document as writing (``_WRITE_BLOCK``), queues the
    message (``_WRITE_MSGS``) and starts a ``_dispatch_msgs`` task; a task still awaiting the
    previous write then ends and clears the mark, and the new task, finding no mark, returns
    without sending. The message waits for the session's next one: a tick later while it
    trains, but never when it is its last, as when the teacher's "go to lesson" stops a
    training learner (1-3 of 30 learners' pages never showed the lesson, in four of six runs
    of benchmarks/bench_class.py; such strandings happened dozens of times a run while 30
    trained). A task that finds messages queued and no mark sends them."""
    original = _panel_document._dispatch_msgs
    if getattr(original, "_tinynet_stranded", False):
        return

    async def dispatch_msgs(doc):
        if doc not in _panel_document._WRITE_BLOCK and _panel_document._WRITE_MSGS.get(doc):
            _panel_document._WRITE_BLOCK[doc] = True
        await original(doc)

    dispatch_msgs._tinynet_stranded = True
    dispatch_msgs.__wrapped__ = original
    _panel_document._dispatch_msgs = dispatch_msgs


def _enable_nodelay() -> None:
    """Send websocket frames immediately (TCP_NODELAY) on every new Bokeh server connection."""
    handler = _panel_server.WSHandler
    if getattr(handler, "_tinynet_nodelay", False):
        return
    original_open = handler.open

    def open(self, *args, **kwargs):
        self.set_nodelay(True)
        return original_open(self, *args, **kwargs)

    handler.open = open
    handler._tinynet_nodelay = True


# -- Bokeh messages without a map of every model ------------------------------------------------
def _synced_refs(models) -> dict:
    """{id(model): model.ref} of a document's synced models (what ``Serializer`` builds from
    ``synced_references``), remade only when the document's set of models changes."""
    current = models._models  # Bokeh replaces this dict whenever it recomputes the models
    cache = getattr(models, "_tinynet_refs", None)
    if cache is None or cache[0] is not current or cache[1] != len(current):
        cache = (current, len(current), {id(m): m.ref for m in current.values()})
        models._tinynet_refs = cache
    refs = dict(cache[2])
    for model in models._new_models:  # not synced yet: sent in full, as Bokeh does
        refs.pop(id(model), None)
    return refs


_bokeh_create_patch = _PatchDoc.create.__func__  # Bokeh's own, kept for the tests
INLINE_BYTES = 16_384  # arrays up to this size travel inside the message, not after it


class _InliningSerializer(Serializer):
    """Bokeh's serializer, but a small array is written into the message (base64, gzipped as
    Bokeh writes it) instead of as two websocket frames of its own after it (a buffer's header
    and its bytes). The compression level is read once, not per array (Bokeh's settings
    lookup cost more than compressing a few hundred bytes)."""

    level = None  # Bokeh's compression level, read when the first array is inlined

    def _encode_bytes(self, obj):
        self._deferred = (obj.nbytes if isinstance(obj, memoryview) else len(obj)) > INLINE_BYTES
        if self._deferred:
            return super()._encode_bytes(obj)
        if _InliningSerializer.level is None:
            _InliningSerializer.level = bokeh_settings.compression_level()
        raw = obj.tobytes() if isinstance(obj, memoryview) else obj  # gzip counts len() bytes
        data = gzip.compress(raw, mtime=1, compresslevel=_InliningSerializer.level)
        return {"type": "bytes", "data": base64.b64encode(data).decode("ascii")}


def _create_patch(cls, events, **metadata):
    """``patch_doc.create`` with the references map from ``_synced_refs``."""
    header = cls.create_header()
    if not events:
        raise ValueError("PATCH-DOC message requires at least one event")
    docs = {event.document for event in events}
    if len(docs) != 1:
        raise ValueError("PATCH-DOC message configured with events for more than one document")
    [doc] = docs
    serializer = _InliningSerializer()
    serializer._references = _synced_refs(doc.models)
    patch_json = PatchJson(events=serializer.encode(events))
    doc.models.flush_synced(lambda model: not serializer.has_ref(model))
    msg = cls(header, metadata, patch_json)
    msg.add_buffers(*serializer.buffers)
    msg.content_json  # written now, so that the message's frames go out back to back
    return msg


_applying = []  # the model managers of the documents whose patch is being applied


class _DocumentDeserializer(Deserializer):
    """Takes the document's own {id: model} map instead of rebuilding it from a list."""

    def __init__(self, references=None, *, setter=None):
        super().__init__(None, setter=setter)
        models = _applying[-1] if _applying else None
        if models is not None and references is not None and len(references) == len(models):
            self._references = dict(models._models)
        else:
            self._references = {obj.id: obj for obj in references or []}


def _enable_cached_references() -> None:
    """Build and apply Bokeh messages without mapping every model each time: every message
    Bokeh builds or applies first maps each model of the document to its reference."""
    if getattr(_PatchDoc, "_tinynet_cached", False):
        return
    _PatchDoc.create = classmethod(_create_patch)
    _PatchDoc._tinynet_cached = True
    document = _bokeh_document.Document
    original_apply = document.apply_json_patch

    def apply_json_patch(self, patch_json, *, setter=None):
        _applying.append(self.models)
        try:
            return original_apply(self, patch_json, setter=setter)
        finally:
            _applying.pop()

    document.apply_json_patch = apply_json_patch
    _bokeh_document.Deserializer = _DocumentDeserializer
    # the cache holds every model of its document: drop it with the document's models (a
    # closed session's Document can outlive it briefly, e.g. in the context of a pending
    # timer, and must not keep the whole page alive through the cache)
    manager = _bokeh_document.DocumentModelManager
    original_destroy = manager.destroy

    def destroy(self):
        self.__dict__.pop("_tinynet_refs", None)
        return original_destroy(self)

    manager.destroy = destroy
