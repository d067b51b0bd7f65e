#!/usr/bin/env python3
"""Generate src/core/config/frameworks/nemo2/tables.ts from the vendored NVIDIA/NeMo sources.

Reads (stdlib `ast` only, nothing imported or executed):
- scripts/upstream/nemo2/nemo/collections/llm/gpt/model/*.py: every GPTConfig dataclass and its
  field defaults, resolved through the class chain (each field's value is a Python literal, or the
  source text of a non-literal default such as `F.silu`), and which classes override methods;
- scripts/upstream/nemo2/nemo/collections/llm/recipes/*.py: each module's `pretrain_recipe(...)`,
  evaluated by a small symbolic interpreter of the subset the recipes use (run.Config / run.Partial,
  calls to the module's own helpers and to other vendored recipe modules, attribute assignments,
  `if` on literals and parameters). Parameters are symbols: a field that is a parameter passed
  through unchanged is recorded as `{param, default}`; a boolean parameter that steers a branch is
  re-evaluated flipped and the outputs of both runs are kept.
- gpt/data/mock.py, pre_training.py: the data modules' keyword defaults.

A recipe whose evaluation meets anything outside that subset is recorded with the reason instead of
values, so the reader says "unknown" rather than guess.

Usage: /usr/bin/python3 scripts/gen-nemo2-recipes.py [--stdout]   (then npx prettier --write the table;
nemo2.test.ts formats --stdout output with prettier and expects the committed file)
"""

import ast
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
UP = os.path.join(ROOT, "scripts", "upstream", "nemo2")
OUT = os.path.join(ROOT, "src", "core", "config", "frameworks", "nemo2", "tables.ts")
COMMIT = "8cfedd7203462cb251a914e700e5605444277561"
MODEL_DIR = os.path.join(UP, "nemo", "collections", "llm", "gpt", "model")
RECIPE_DIR = os.path.join(UP, "nemo", "collections", "llm", "recipes")
DATA_DIR = os.path.join(UP, "nemo", "collections", "llm", "gpt", "data")


class Unsupported(Exception):
    pass


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


# --- config dataclasses -------------------------------------------------------------------------


def literal_or_text(node, source):
    try:
        return ast.literal_eval(node)
    except Exception:
        return {"$expr": ast.get_source_segment(source, node)}


def config_classes():
    classes = {}
    for name in sorted(os.listdir(MODEL_DIR)):
        if not name.endswith(".py"):
            continue
        source = read(os.path.join(MODEL_DIR, name))
        tree = ast.parse(source)
        for node in tree.body:
            if not isinstance(node, ast.ClassDef):
                continue
            bases = [ast.get_source_segment(source, b) for b in node.bases]
            fields = {}
            methods = []
            for item in node.body:
                if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name) and item.value is not None:
                    value = item.value
                    # field(default_factory=lambda: [...]) -> the list
                    if (
                        isinstance(value, ast.Call)
                        and ast.get_source_segment(source, value.func) == "field"
                        and value.keywords
                        and value.keywords[0].arg == "default_factory"
                        and isinstance(value.keywords[0].value, ast.Lambda)
                    ):
                        value = value.keywords[0].value.body
                    fields[item.target.id] = literal_or_text(value, source)
                elif isinstance(item, ast.FunctionDef):
                    methods.append(item.name)
            classes[node.name] = {"file": name, "bases": bases, "fields": fields, "methods": methods}
    resolved = {}

    def resolve(name, seen=()):
        if name in resolved:
            return resolved[name]
        c = classes[name]
        chain = [name]
        fields = {}
        overrides = {}
        for base in c["bases"]:
            if base in classes and base not in seen:
                r = resolve(base, seen + (name,))
                chain += r["chain"]
                for k, v in r["fields"].items():
                    fields.setdefault(k, v)
                for k, v in r["overrides"].items():
                    overrides.setdefault(k, v)
        merged = dict(fields)
        merged.update(c["fields"])
        own = {m: name for m in c["methods"]}
        own.update({k: v for k, v in overrides.items() if k not in own})
        resolved[name] = {"chain": chain, "fields": merged, "overrides": own, "file": c["file"]}
        return resolved[name]

    out = {}
    for name in classes:
        r = resolve(name)
        if "GPTConfig" in r["chain"] or name == "GPTConfig":
            out[name] = r
    return out


def init_defaults(path, cls):
    source = read(path)
    for node in ast.parse(source).body:
        if isinstance(node, ast.ClassDef) and node.name == cls:
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and item.name == "__init__":
                    args = item.args.args[1:]
                    defaults = item.args.defaults
                    out = {}
                    for a, d in zip(args[len(args) - len(defaults) :], defaults):
                        out[a.arg] = literal_or_text(d, source)
                    return out
    raise SystemExit(f"{cls}.__init__ not found in {path}")


# --- symbolic interpreter of recipes ------------------------------------------------------------


class Sym:
    """A function parameter passed through unchanged."""

    def __init__(self, name, value):
        self.name = name
        self.value = value


class Obj:
    """run.Config / run.Partial / a class call: target name and keyword fields (mutable)."""

    def __init__(self, target, kwargs, positional=()):
        self.target = target
        self.kwargs = dict(kwargs)
        self.positional = list(positional)


class Opaque:
    def __init__(self, what):
        self.what = what


RETURN = object()


def concrete(v, used):
    if isinstance(v, Sym):
        used.add(v.name)
        return v.value
    return v


class Module:
    def __init__(self, name):
        self.name = name
        self.source = read(os.path.join(RECIPE_DIR, *name.split("/")) + ".py")
        self.tree = ast.parse(self.source)
        self.functions = {}
        self.imports = {}  # local name -> ("module", recipe module) | ("func", module, name) | ("name", qualified)
        self.constants = {}
        for node in self.tree.body:
            if isinstance(node, ast.FunctionDef):
                self.functions[node.name] = node
            elif isinstance(node, ast.ImportFrom) and node.module:
                for alias in node.names:
                    local = alias.asname or alias.name
                    if node.module == "nemo.collections.llm.recipes":
                        self.imports[local] = ("module", alias.name)
                    elif node.module.startswith("nemo.collections.llm.recipes.") and os.path.exists(
                        os.path.join(RECIPE_DIR, *node.module.split(".")[4:]) + ".py"
                    ):
                        # recipes/<module>.py, recipes/optim/adam.py, recipes/precision/mixed_precision.py
                        self.imports[local] = ("func", "/".join(node.module.split(".")[4:]), alias.name)
                    else:
                        self.imports[local] = ("name", alias.name)
            elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                try:
                    self.constants[node.targets[0].id] = ast.literal_eval(node.value)
                except Exception:
                    pass


MODULES = {}


def module(name):
    if name not in MODULES:
        if not os.path.exists(os.path.join(RECIPE_DIR, *name.split("/")) + ".py"):
            raise Unsupported(f"recipe module {name} is not vendored")
        MODULES[name] = Module(name)
    return MODULES[name]


class Interp:
    def __init__(self):
        self.used = set()  # parameters whose value was consumed (branch, arithmetic, lookup)
        self.depth = 0

    def call_function(self, mod, fn, args, kwargs):
        self.depth += 1
        if self.depth > 30:
            raise Unsupported("recursion")
        env = {}
        params = fn.args.args
        defaults = fn.args.defaults
        first_default = len(params) - len(defaults)
        for i, p in enumerate(params):
            if i < len(args):
                env[p.arg] = args[i]
            elif p.arg in kwargs:
                env[p.arg] = kwargs[p.arg]
            elif i >= first_default:
                d = defaults[i - first_default]
                env[p.arg] = self.eval(mod, d, {})
            else:
                raise Unsupported(f"{fn.name}: missing argument {p.arg}")
        extra = set(kwargs) - {p.arg for p in params}
        if extra:
            raise Unsupported(f"{fn.name}: unexpected arguments {sorted(extra)}")
        result = self.block(mod, fn.body, env)
        self.depth -= 1
        return None if result is None else result[1]

    def block(self, mod, body, env):
        for stmt in body:
            r = self.stmt(mod, stmt, env)
            if r is not None:
                return r
        return None

    def stmt(self, mod, s, env):
        if isinstance(s, ast.Expr):
            if isinstance(s.value, ast.Constant):
                return None  # docstring
            if isinstance(s.value, ast.Call) and isinstance(s.value.func, ast.Attribute):
                path = dotted(s.value.func.value)
                if path and path.split(".")[-1] == "callbacks" and s.value.func.attr in ("append", "extend"):
                    return None  # callbacks do not change N or D
            raise Unsupported(f"statement {ast.unparse(s)[:60]}")
        if isinstance(s, ast.Return):
            return (RETURN, self.eval(mod, s.value, env) if s.value else None)
        if isinstance(s, ast.Assert):
            return None
        if isinstance(s, ast.Assign) and len(s.targets) == 1:
            value = self.eval(mod, s.value, env)
            self.assign(mod, s.targets[0], value, env)
            return None
        if isinstance(s, ast.AnnAssign) and s.value is not None:
            self.assign(mod, s.target, self.eval(mod, s.value, env), env)
            return None
        if isinstance(s, ast.If):
            test = self.truth(self.eval(mod, s.test, env))
            return self.block(mod, s.body if test else s.orelse, env)
        if isinstance(s, ast.Raise):
            raise Unsupported(f"raise {ast.unparse(s)[:60]}")
        if isinstance(s, ast.Pass):
            return None
        raise Unsupported(f"statement {type(s).__name__}: {ast.unparse(s)[:60]}")

    def truth(self, v):
        v = concrete(v, self.used)
        if isinstance(v, (Obj,)):
            return True
        if isinstance(v, Opaque):
            raise Unsupported(f"condition on {v.what}")
        return bool(v)

    def assign(self, mod, target, value, env):
        if isinstance(target, ast.Name):
            env[target.id] = value
            return
        if isinstance(target, ast.Attribute):
            obj = self.eval(mod, target.value, env)
            if isinstance(obj, Opaque):
                return  # a field of an object not read (precision plugin, optimizer): outputs never look inside
            if not isinstance(obj, Obj):
                raise Unsupported(f"assignment to {ast.unparse(target)} of a non-config")
            obj.kwargs[target.attr] = value
            return
        raise Unsupported(f"assignment target {ast.unparse(target)}")

    def eval(self, mod, n, env):
        if isinstance(n, ast.Constant):
            return n.value
        if isinstance(n, ast.Name):
            if n.id in env:
                return env[n.id]
            if n.id in mod.constants:
                return mod.constants[n.id]
            if n.id in mod.functions:
                return ("function", mod.name, n.id)
            if n.id in mod.imports:
                kind = mod.imports[n.id]
                if kind[0] == "module":
                    return ("module", kind[1])
                if kind[0] == "func":
                    return ("function", kind[1], kind[2])
                return ("name", kind[1])
            if n.id in ("None", "True", "False"):
                return {"None": None, "True": True, "False": False}[n.id]
            return ("name", n.id)
        if isinstance(n, ast.Attribute):
            base = self.eval(mod, n.value, env)
            if isinstance(base, Obj):
                if n.attr in base.kwargs:
                    return base.kwargs[n.attr]
                return None  # an unset field of a config is its class default; only compared to None here
            if isinstance(base, tuple) and base[0] == "module":
                m = module(base[1])
                if n.attr in m.functions:
                    return ("function", base[1], n.attr)
                raise Unsupported(f"{base[1]}.{n.attr}")
            if isinstance(base, tuple) and base[0] == "name":
                return ("name", base[1] + "." + n.attr)
            return Opaque(ast.unparse(n))
        if isinstance(n, ast.List) or isinstance(n, ast.Tuple):
            return [self.eval(mod, e, env) for e in n.elts]
        if isinstance(n, ast.Dict):
            return Opaque("dict")
        if isinstance(n, ast.UnaryOp) and isinstance(n.op, ast.Not):
            return not self.truth(self.eval(mod, n.operand, env))
        if isinstance(n, ast.UnaryOp) and isinstance(n.op, ast.USub):
            v = concrete(self.eval(mod, n.operand, env), self.used)
            if isinstance(v, (int, float)):
                return -v
            raise Unsupported(ast.unparse(n))
        if isinstance(n, ast.BoolOp):
            # Python's short-circuit: `peft_scheme is None or peft_scheme.lower() == 'none'`.
            for v in n.values:
                t = self.truth(self.eval(mod, v, env))
                if isinstance(n.op, ast.And) and not t:
                    return False
                if isinstance(n.op, ast.Or) and t:
                    return True
            return isinstance(n.op, ast.And)
        if isinstance(n, ast.IfExp):
            return self.eval(mod, n.body if self.truth(self.eval(mod, n.test, env)) else n.orelse, env)
        if isinstance(n, ast.Subscript):
            base = self.eval(mod, n.value, env)
            key = concrete(self.eval(mod, n.slice, env), self.used)
            if isinstance(base, tuple) and base[0] == "name" and base[1] == "PEFT_STR2CLS" and isinstance(key, str):
                table = peft_str2cls()
                if key not in table:
                    raise Unsupported(f"PEFT_STR2CLS[{key!r}]")
                return ("name", table[key])
            raise Unsupported(f"subscript {ast.unparse(n)[:60]}")
        if isinstance(n, ast.Compare) and len(n.ops) == 1:
            a = concrete(self.eval(mod, n.left, env), self.used)
            b = concrete(self.eval(mod, n.comparators[0], env), self.used)
            op = n.ops[0]
            if isinstance(a, (Obj, Opaque, tuple)) or isinstance(b, (Obj, Opaque, tuple)):
                if isinstance(op, (ast.Is, ast.IsNot)) and (a is None or b is None):
                    same = a is b
                    return same if isinstance(op, ast.Is) else not same
                raise Unsupported(f"comparison {ast.unparse(n)}")
            if isinstance(op, ast.Eq):
                return a == b
            if isinstance(op, ast.NotEq):
                return a != b
            if isinstance(op, ast.Is):
                return a is b
            if isinstance(op, ast.IsNot):
                return a is not b
            if isinstance(op, ast.In):
                return a in b
            raise Unsupported(f"comparison {ast.unparse(n)}")
        if isinstance(n, ast.BinOp):
            a = concrete(self.eval(mod, n.left, env), self.used)
            b = concrete(self.eval(mod, n.right, env), self.used)
            if not isinstance(a, (int, float)) or not isinstance(b, (int, float)):
                raise Unsupported(f"arithmetic {ast.unparse(n)}")
            ops = {ast.Add: lambda: a + b, ast.Sub: lambda: a - b, ast.Mult: lambda: a * b, ast.FloorDiv: lambda: a // b}
            if type(n.op) not in ops:
                raise Unsupported(f"arithmetic {ast.unparse(n)}")
            return ops[type(n.op)]()
        if isinstance(n, ast.Call):
            return self.call(mod, n, env)
        if isinstance(n, ast.JoinedStr):
            parts = []
            for v in n.values:
                x = v.value if isinstance(v, ast.Constant) else None
                if isinstance(v, ast.FormattedValue) and v.format_spec is None and v.conversion == -1:
                    x = concrete(self.eval(mod, v.value, env), self.used)
                if not isinstance(x, (str, int)) or isinstance(x, bool):
                    return Opaque("f-string")
                parts.append(str(x))
            return "".join(parts)
        raise Unsupported(f"expression {ast.unparse(n)[:60]}")

    def call(self, mod, n, env):
        if isinstance(n.func, ast.Attribute) and n.func.attr == "lower" and not n.args and not n.keywords:
            v = concrete(self.eval(mod, n.func.value, env), self.used)
            if isinstance(v, str):
                return v.lower()
            raise Unsupported(f"{ast.unparse(n)[:60]} on a non-string")
        func = self.eval(mod, n.func, env)
        if any(isinstance(a, ast.Starred) for a in n.args) or any(k.arg is None for k in n.keywords):
            raise Unsupported(f"unpacked arguments in {ast.unparse(n)[:60]}")
        args = [self.eval(mod, a, env) for a in n.args]
        kwargs = {k.arg: self.eval(mod, k.value, env) for k in n.keywords}
        if isinstance(func, tuple) and func[0] == "function":
            m = module(func[1])
            return self.call_function(m, m.functions[func[2]], args, kwargs)
        if isinstance(func, tuple) and func[0] == "name":
            name = func[1]
            if name in ("run.Config", "run.Partial", "Config", "Partial"):
                if not args:
                    raise Unsupported("run.Config without a target")
                target = args[0]
                tname = target[1] if isinstance(target, tuple) and target[0] in ("name", "function") else None
                if isinstance(target, tuple) and target[0] == "function":
                    tname = f"{target[1]}.{target[2]}"
                if tname is None:
                    tname = "?"
                return Obj(tname.split(".")[-1], kwargs, args[1:])
            return Opaque(name + "()")
        return Opaque(ast.unparse(n.func) + "()")


PEFT_DIR = os.path.join(UP, "nemo", "collections", "llm", "peft")


def peft_str2cls():
    """peft/__init__.py PEFT_STR2CLS: scheme string -> class name."""
    tree = ast.parse(read(os.path.join(PEFT_DIR, "__init__.py")))
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "PEFT_STR2CLS":
            return {ast.literal_eval(k): v.id for k, v in zip(node.value.keys, node.value.values)}
    raise Unsupported("PEFT_STR2CLS not found")


def peft_defaults(path, cls):
    """A PEFT dataclass's literal field defaults (`field(default_factory=lambda: [...])` included)."""
    tree = ast.parse(read(path))
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == cls:
            out = {}
            for st in node.body:
                if isinstance(st, ast.AnnAssign) and isinstance(st.target, ast.Name) and st.value is not None:
                    v = st.value
                    if isinstance(v, ast.Call) and getattr(v.func, "id", None) == "field":
                        kw = {k.arg: k.value for k in v.keywords}
                        if isinstance(kw.get("default_factory"), ast.Lambda):
                            v = kw["default_factory"].body
                        elif "default" in kw:
                            v = kw["default"]
                    try:
                        out[st.target.id] = ast.literal_eval(v)
                    except Exception:
                        out[st.target.id] = {"$expr": ast.unparse(v)}
            return out
    raise Unsupported(f"{cls} not found")


def dotted(n):
    parts = []
    while isinstance(n, ast.Attribute):
        parts.append(n.attr)
        n = n.value
    if isinstance(n, ast.Name):
        parts.append(n.id)
        return ".".join(reversed(parts))
    return None


def field(obj, path):
    for p in path:
        if not isinstance(obj, Obj):
            return ("absent",)
        if p not in obj.kwargs:
            return ("absent",)
        obj = obj.kwargs[p]
    return ("value", obj)


def plain(v):
    """A table value: a literal, a {param, default} symbol, or {opaque}."""
    if isinstance(v, Sym):
        return {"param": v.name, "default": plain(v.value)}
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    if isinstance(v, Obj):
        out = {"config": v.target, "fields": {k: plain(x) for k, x in sorted(v.kwargs.items())}}
        if v.positional:
            out["positional"] = [plain(x) for x in v.positional]
        return out
    if isinstance(v, list):
        return [plain(x) for x in v]
    if isinstance(v, Opaque):
        return {"opaque": v.what}
    if isinstance(v, tuple):
        return {"opaque": ".".join(str(x) for x in v[1:])}
    return {"opaque": type(v).__name__}


def outputs(recipe):
    """The N- and D-relevant parts of an evaluated recipe."""
    if not isinstance(recipe, Obj) or recipe.target not in ("pretrain",):
        raise Unsupported("pretrain_recipe does not return run.Partial(pretrain, ...)")
    model = recipe.kwargs.get("model")
    if not isinstance(model, Obj):
        raise Unsupported("model is not a run.Config")
    config = model.kwargs.get("config")
    if not isinstance(config, Obj):
        raise Unsupported("model.config is not a run.Config")
    trainer = recipe.kwargs.get("trainer")
    data = recipe.kwargs.get("data")
    if not isinstance(trainer, Obj) or not isinstance(data, Obj):
        raise Unsupported("trainer or data is not a run.Config")
    strategy = trainer.kwargs.get("strategy")
    out = {
        "model": model.target,
        "config": config.target,
        "configFields": {k: plain(v) for k, v in sorted(config.kwargs.items())},
        "modelFields": sorted(k for k in model.kwargs if k != "config"),
        "trainer": trainer.target,
        "trainerFields": {
            k: plain(trainer.kwargs[k]) for k in ("max_steps", "num_nodes", "devices") if k in trainer.kwargs
        },
        "strategy": strategy.target if isinstance(strategy, Obj) else plain(strategy),
        "strategyFields": {
            k: plain(v)
            for k, v in sorted(strategy.kwargs.items())
            if isinstance(strategy, Obj) and k.endswith("parallel_size")
        }
        if isinstance(strategy, Obj)
        else {},
        "data": data.target,
        "dataFields": {k: plain(v) for k, v in sorted(data.kwargs.items())},
        # Memory layout and schedule: the whole strategy, the precision plugin and the optimizer module.
        "strategyAll": {k: plain(v) for k, v in sorted(strategy.kwargs.items())} if isinstance(strategy, Obj) else {},
        "plugins": plain(trainer.kwargs.get("plugins")),
        "optim": plain(recipe.kwargs.get("optim")),
        "recipeFields": sorted(k for k in recipe.kwargs),
        "peft": "peft" in recipe.kwargs,
    }
    return out


def finetune_outputs(recipe):
    """The N-, trainable- and D-relevant parts of an evaluated finetune recipe."""
    if not isinstance(recipe, Obj) or recipe.target != "finetune":
        raise Unsupported("finetune_recipe does not return run.Partial(llm.finetune, ...)")
    base = outputs(Obj("pretrain", recipe.kwargs))
    resume = recipe.kwargs.get("resume")
    restore = resume.kwargs.get("restore_config") if isinstance(resume, Obj) else None
    path = restore.kwargs.get("path") if isinstance(restore, Obj) else None
    peft = recipe.kwargs.get("peft")
    base.update(
        {
            "restorePath": plain(path),
            "resumeFields": sorted(resume.kwargs) if isinstance(resume, Obj) else [],
            "peftClass": peft.target if isinstance(peft, Obj) else plain(peft),
            "peftFields": {k: plain(v) for k, v in sorted(peft.kwargs.items())} if isinstance(peft, Obj) else {},
            "tokenizer": plain(recipe.kwargs.get("tokenizer", "model")),
            "trainerFields": {
                k: plain(recipe.kwargs["trainer"].kwargs[k])
                for k in ("max_steps", "num_nodes", "devices", "accumulate_grad_batches")
                if k in recipe.kwargs["trainer"].kwargs
            },
        }
    )
    return base


PROBE = 77_777  # a seq_length the caller passes, to see where it lands


def finetune_recipe(name):
    """finetune_recipe over every combination of the arguments it branches on."""
    m = module(name)
    fn = m.functions.get("finetune_recipe")
    if fn is None:
        raise Unsupported("no finetune_recipe")
    params = [p.arg for p in fn.args.args]
    domains = {
        "peft_scheme": ["lora", "dora", None],
        "packed_sequence": [None, True, False],
        "performance_mode": [False, True],
        "seq_length": [None, PROBE],
    }
    keys = [k for k in domains if k in params]
    unknown = sorted(set(params) - set(keys) - {"dir", "name", "num_nodes", "num_gpus_per_node"})
    if unknown:
        raise Unsupported(f"finetune_recipe takes {unknown}")
    combos = [{}]
    for k in keys:
        combos = [dict(c, **{k: v}) for c in combos for v in domains[k]]
    first = len(params) - len(fn.args.defaults)
    defaults = {p: ast.literal_eval(fn.args.defaults[params.index(p) - first]) for p in keys}
    out = {}
    for c in combos:
        MODULES.clear()
        it = Interp()
        kwargs = {p: Sym(p, c.get(p)) for p in keys}
        for p in ("num_nodes", "num_gpus_per_node"):
            if p in params:
                idx = params.index(p)
                d = fn.args.defaults[idx - (len(params) - len(fn.args.defaults))]
                kwargs[p] = Sym(p, ast.literal_eval(d))
        label = ",".join(f"{k}={json.dumps(c[k] if k != 'seq_length' or c[k] is None else 'given')}" for k in keys)
        try:
            result = it.call_function(module(name), fn, [], kwargs)
            out[label] = finetune_outputs(result)
        except Unsupported as e:
            out[label] = {"unsupported": str(e)}
    return {"params": keys, "defaults": defaults, "variants": out}


def pretrain_recipe(name):
    m = module(name)
    fn = m.functions.get("pretrain_recipe")
    if fn is None:
        raise Unsupported("no pretrain_recipe")
    params = fn.args.args
    defaults = fn.args.defaults
    first = len(params) - len(defaults)
    signature = {}
    for i, p in enumerate(params):
        if i >= first:
            d = defaults[i - first]
            try:
                signature[p.arg] = ast.literal_eval(d)
            except Exception:
                signature[p.arg] = {"$expr": ast.unparse(d)}
        else:
            signature[p.arg] = {"$required": True}

    def run(overrides):
        MODULES.clear()
        it = Interp()
        kwargs = {}
        for p, d in signature.items():
            value = overrides.get(p, d)
            if isinstance(value, dict) and "$expr" in value:
                continue  # `fn=pretrain`: the function default
            if isinstance(value, dict) and "$required" in value:
                value = None
            kwargs[p] = Sym(p, value)
        result = it.call_function(module(name), module(name).functions["pretrain_recipe"], [], kwargs)
        return outputs(result), it.used

    base, used = run({})
    variants = {}
    for p in sorted(used):
        d = signature.get(p)
        if isinstance(d, bool):
            try:
                alt, _ = run({p: not d})
                if alt != base:
                    variants[p] = {"value": not d, "outputs": alt}
            except Unsupported as e:
                variants[p] = {"value": not d, "unsupported": str(e)}
    # A consumed non-boolean parameter (`min_lr if min_lr is not None else 0.1 * max_lr`) re-run with
    # other values: when only the LR scheduler changes, N, D and the layout do not depend on it (the
    # schedule still does).
    def nd(outs):
        o = json.loads(json.dumps(outs))
        if isinstance(o.get("optim"), dict) and isinstance(o["optim"].get("fields"), dict):
            o["optim"]["fields"].pop("lr_scheduler", None)
        return o

    optim_only = []
    for p in sorted(used):
        d = signature.get(p)
        if isinstance(d, bool) or not (d is None or isinstance(d, (int, float))):
            continue
        probes = [0.000123, 7] if d is None else [d * 3 + 1]
        try:
            if all(nd(run({p: v})[0]) == nd(base) for v in probes):
                optim_only.append(p)
        except Unsupported:
            pass
    return {
        "signature": {k: v for k, v in signature.items() if not (isinstance(v, dict) and "$expr" in v)},
        "scheduleOnly": optim_only,
        "consumed": sorted(used),
        "outputs": base,
        "variants": variants,
    }


def main():
    to_stdout = "--stdout" in sys.argv
    configs = config_classes()
    recipes = {}
    finetunes = {}
    for name in sorted(os.listdir(RECIPE_DIR)):
        if not name.endswith(".py"):
            continue
        key = name[:-3]
        try:
            recipes[key] = pretrain_recipe(key)
        except Unsupported as e:
            recipes[key] = {"unsupported": str(e)}
        if key == "finetune_default":
            continue
        try:
            finetunes[key] = finetune_recipe(key)
        except Unsupported as e:
            finetunes[key] = {"unsupported": str(e)}
    data = {
        "MockDataModule": init_defaults(os.path.join(DATA_DIR, "mock.py"), "MockDataModule"),
        "PreTrainingDataModule": init_defaults(os.path.join(DATA_DIR, "pre_training.py"), "PreTrainingDataModule"),
    }
    cfg = {
        k: {"chain": v["chain"], "file": v["file"], "fields": v["fields"], "overrides": v["overrides"]}
        for k, v in sorted(configs.items())
    }
    text = (
        "// Generated by scripts/gen-nemo2-recipes.py from NVIDIA/NeMo@"
        + COMMIT
        + " (scripts/upstream/nemo2/PROVENANCE.md). Do not edit.\n"
        + "/* eslint-disable */\n"
        + "import type { Nemo2Tables } from './tableTypes';\n\n"
        + f"export const NEMO2_COMMIT = '{COMMIT}';\n\n"
        + "export const NEMO2: Nemo2Tables = "
        + json.dumps(
            {
                "configs": cfg,
                "recipes": recipes,
                "finetunes": finetunes,
                "peft": {
                    "LoRA": peft_defaults(os.path.join(PEFT_DIR, "lora.py"), "LoRA"),
                    "DoRA": peft_defaults(os.path.join(PEFT_DIR, "dora.py"), "DoRA"),
                },
                "dataModules": data,
            },
            indent=1,
            sort_keys=True,
        )
        + ";\n"
    )
    if to_stdout:
        sys.stdout.write(text)
        return
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w", encoding="utf-8") as f:
        f.write(text)


if __name__ == "__main__":
    main()
