"""Generate src/core/config/frameworks/olmo-core/tables.ts from allenai/OLMo-core's model factories.

Usage: python3 scripts/gen-olmo-core-factories.py <OLMo-core git dir> > src/core/config/frameworks/olmo-core/tables.ts

Reads src/olmo_core/nn/transformer/config.py at HEAD of the given bare git dir (statically, with
`ast`; nothing is executed) and records, for every `TransformerConfig` classmethod factory that
returns `cls.<other>(...)`, the keyword arguments it passes:
- `popped`: `kwargs.pop("x", default)` — a caller may override x (the default is recorded);
- `fixed`: everything else — a caller passing x gets a TypeError from Python.
Values are literals, enum members (`TransformerBlockType.reordered_norm` → "reordered_norm"),
config constructors (`FeedForwardConfig(hidden_size=3072, bias=False)` → an object with `$type`), and
arithmetic over module constants and the factory's local variables. A value that depends on a local
assigned from `kwargs.pop` lists that name in `dependsOn`, so the reader can refuse an override that
the recorded value would not follow. Factories whose arguments cannot be read are listed as
`unreadable`. `llama_like` and `llama_like_moe` themselves are the reader's base cases.
"""
import ast
import json
import os
import subprocess
import sys

GIT = sys.argv[1]
PATH = "src/olmo_core/nn/transformer/config.py"
BASES = {"llama_like", "llama_like_moe", "ngpt_like", "gemma3_like", "qwen3_5_like"}


def git(*args):
    # A vendored copy (scripts/upstream/olmo-core/<commit>) answers like the bare git dir would.
    if os.path.isdir(os.path.join(GIT, "src")):
        if args[0] == "rev-parse":
            return os.path.basename(os.path.normpath(GIT)) + "\n"
        with open(os.path.join(GIT, args[1].split(":", 1)[1]), encoding="utf-8") as handle:
            return handle.read()
    return subprocess.run(["git", "--git-dir", GIT, *args], capture_output=True, text=True, check=True).stdout


COMMIT = git("rev-parse", "HEAD").strip()
SOURCE = git("show", f"HEAD:{PATH}")
TREE = ast.parse(SOURCE)


class Unreadable(Exception):
    pass


def evaluate(node, env, deps):
    """A JSON-able value for an argument expression; raises Unreadable."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        if node.id in env:
            value, dep = env[node.id]
            if dep:
                deps.add(dep)
            return value
        raise Unreadable(node.id)
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        # Enum members: TransformerBlockType.reordered_norm, LayerNormType.qwen_rms, DType.float32.
        return node.attr
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -evaluate(node.operand, env, deps)
    if isinstance(node, ast.BinOp):
        left = evaluate(node.left, env, deps)
        right = evaluate(node.right, env, deps)
        ops = {
            ast.Add: lambda a, b: a + b,
            ast.Sub: lambda a, b: a - b,
            ast.Mult: lambda a, b: a * b,
            ast.Div: lambda a, b: a / b,
            ast.FloorDiv: lambda a, b: a // b,
            ast.Pow: lambda a, b: a**b,
        }
        if type(node.op) not in ops:
            raise Unreadable(ast.dump(node))
        return ops[type(node.op)](left, right)
    if isinstance(node, ast.List):
        return [evaluate(e, env, deps) for e in node.elts]
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Name) and func.id == "int" and len(node.args) == 1:
            return int(evaluate(node.args[0], env, deps))
        if (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id == "kwargs"
            and func.attr in ("pop", "get")
        ):
            raise Unreadable("nested kwargs access")
        if isinstance(func, ast.Name) and func.id.endswith("Config"):
            out = {"$type": func.id}
            if node.args:
                raise Unreadable(f"positional args to {func.id}")
            for kw in node.keywords:
                if kw.arg is None:
                    raise Unreadable("**")
                if isinstance(kw.value, ast.Call) and isinstance(kw.value.func, ast.Attribute) and isinstance(kw.value.func.value, ast.Name) and kw.value.func.value.id == "kwargs" and kw.value.func.attr == "get":
                    out[kw.arg] = evaluate(kw.value.args[1], env, deps) if len(kw.value.args) > 1 else None
                    continue
                out[kw.arg] = evaluate(kw.value, env, deps)
            return out
    raise Unreadable(ast.dump(node)[:80])


def kwargs_pop(node):
    """(name, default node) when `node` is kwargs.pop("name", default)."""
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "kwargs"
        and node.func.attr == "pop"
        and node.args
        and isinstance(node.args[0], ast.Constant)
    ):
        return node.args[0].value, (node.args[1] if len(node.args) > 1 else None)
    return None


def factory_rows(cls_node):
    rows = {}
    unreadable = {}
    for fn in cls_node.body:
        if not isinstance(fn, ast.FunctionDef):
            continue
        if not any(isinstance(d, ast.Name) and d.id == "classmethod" for d in fn.decorator_list):
            continue
        if fn.name in BASES or fn.name.startswith("_") or fn.name.startswith("from_"):
            continue
        env = {}
        call = None
        try:
            for stmt in fn.body:
                if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
                    continue  # docstring
                if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                    name = stmt.targets[0].id
                    value = stmt.value
                    if (
                        isinstance(value, ast.Call)
                        and isinstance(value.func, ast.Attribute)
                        and isinstance(value.func.value, ast.Name)
                        and value.func.value.id == "cls"
                    ):
                        call = value
                        continue
                    popped = kwargs_pop(value)
                    if popped:
                        env[name] = (evaluate(popped[1], env, set()), popped[0])
                    else:
                        env[name] = (evaluate(value, env, set()), None)
                    continue
                if isinstance(stmt, ast.Return):
                    if isinstance(stmt.value, ast.Call) and isinstance(stmt.value.func, ast.Attribute) and isinstance(stmt.value.func.value, ast.Name) and stmt.value.func.value.id == "cls":
                        call = stmt.value
                    elif isinstance(stmt.value, ast.Name) and call is not None:
                        pass
                    else:
                        raise Unreadable("return of something else")
                    continue
                raise Unreadable(f"statement {type(stmt).__name__}")
            if call is None:
                raise Unreadable("no cls.<factory>(...) call")
            row = {"calls": call.func.attr, "fixed": {}, "popped": {}, "dependsOn": {}}
            positional = [a for a in call.args]
            if positional:
                # cls.llama2_1B(vocab_size, ...): the only positional argument is vocab_size.
                if len(positional) != 1 or not (isinstance(positional[0], ast.Name) and positional[0].id == "vocab_size"):
                    raise Unreadable("positional arguments")
            for kw in call.keywords:
                if kw.arg is None:
                    continue  # **kwargs
                if kw.arg == "vocab_size":
                    continue
                popped = kwargs_pop(kw.value)
                deps = set()
                if popped:
                    row["popped"][kw.arg] = evaluate(popped[1], env, deps) if popped[1] is not None else None
                else:
                    row["fixed"][kw.arg] = evaluate(kw.value, env, deps)
                if deps:
                    row["dependsOn"][kw.arg] = sorted(deps)
            # Locals popped from kwargs that feed fixed arguments are overridable too.
            row["localPops"] = sorted({dep for deps in row["dependsOn"].values() for dep in deps})
            if not row["dependsOn"]:
                del row["dependsOn"]
            if not row["localPops"]:
                del row["localPops"]
            rows[fn.name] = row
        except Unreadable as error:
            unreadable[fn.name] = str(error)
    return rows, unreadable


cls_node = next(n for n in TREE.body if isinstance(n, ast.ClassDef) and n.name == "TransformerConfig")
rows, unreadable = factory_rows(cls_node)

print("/**")
print(" * GENERATED by scripts/gen-olmo-core-factories.py from allenai/OLMo-core")
print(f" * {PATH} @{COMMIT}. Do not edit by hand; rerun the script.")
print(" *")
print(" * Each TransformerConfig factory: the factory it calls, the keyword arguments it passes")
print(" * (`fixed`: a caller may not pass them; `popped`: kwargs.pop defaults a caller may override),")
print(" * and which recorded values were computed from a local the caller may override (`dependsOn`).")
print(" */")
print("")
print("/** A value as the factory writes it: literal, enum member name, or a config constructor. */")
print("export type FactoryValue =")
print("  | string")
print("  | number")
print("  | boolean")
print("  | null")
print("  | readonly FactoryValue[]")
print("  | { readonly $type: string; readonly [key: string]: FactoryValue };")
print("")
print("/** One factory classmethod of TransformerConfig. */")
print("export interface OlmoCoreFactory {")
print("  calls: string;")
print("  fixed: Readonly<Record<string, FactoryValue>>;")
print("  popped: Readonly<Record<string, FactoryValue>>;")
print("  dependsOn?: Readonly<Record<string, readonly string[]>>;")
print("  localPops?: readonly string[];")
print("}")
print("")
print(f"export const OLMO_CORE_COMMIT = '{COMMIT}';")
print("")
print("export const OLMO_CORE_FACTORIES: Readonly<Record<string, OlmoCoreFactory>> = ")
print(json.dumps(rows, indent=2, sort_keys=False) + ";")
print("")
print("/** Factories whose arguments the generator could not read statically (name → why). */")
print("export const OLMO_CORE_UNREADABLE_FACTORIES: Readonly<Record<string, string>> = ")
print(json.dumps(unreadable, indent=2) + ";")

# TokenizerConfig classmethods with a literal vocab_size (src/olmo_core/data/tokenizer.py).
TOKENIZER_PATH = "src/olmo_core/data/tokenizer.py"
tokenizer_tree = ast.parse(git("show", f"HEAD:{TOKENIZER_PATH}"))
tokenizers = {}
tok_cls = next(n for n in tokenizer_tree.body if isinstance(n, ast.ClassDef) and n.name == "TokenizerConfig")
for fn in tok_cls.body:
    if not isinstance(fn, ast.FunctionDef):
        continue
    for stmt in fn.body:
        if (
            isinstance(stmt, ast.Return)
            and isinstance(stmt.value, ast.Call)
            and isinstance(stmt.value.func, ast.Name)
            and stmt.value.func.id == "cls"
        ):
            for kw in stmt.value.keywords:
                if kw.arg == "vocab_size" and isinstance(kw.value, ast.Constant):
                    tokenizers[fn.name] = kw.value.value
print("")
print(f"/** TokenizerConfig factories → vocab_size ({TOKENIZER_PATH}); padded_vocab_size() rounds up to 128. */")
print("export const OLMO_CORE_TOKENIZERS: Readonly<Record<string, number>> = ")
print(json.dumps(tokenizers, indent=2) + ";")
