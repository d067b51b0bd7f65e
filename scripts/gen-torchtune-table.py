"""Generate src/core/config/frameworks/torchtune/tables.ts from pytorch/torchtune's model builders.

Usage: python3 scripts/gen-torchtune-table.py <source> > src/core/config/frameworks/torchtune/tables.ts

<source> is a bare git dir of pytorch/torchtune (read at HEAD) or a vendored copy named by its commit
(scripts/upstream/torchtune/<commit>, what the test uses). Reads torchtune/models/<family>/_model_builders.py,
and for every
builder function that returns a call to a decoder component builder (llama3_1(...), qwen2(...)),
records the literal keyword (and positional) arguments merged over the component builder's own
defaults (its signature in _component_builders.py). lora_* builders and qlora_* partials map to the
same dimensions. Builders whose dimensions are not all literals are skipped (listed in a comment).
"""
import ast
import json
import os
import subprocess
import sys

GIT = sys.argv[1]
FIELDS = [
    "vocab_size", "num_layers", "num_heads", "num_kv_heads", "embed_dim", "intermediate_dim",
    "max_seq_len", "head_dim", "tie_word_embeddings", "q_proj_bias", "k_proj_bias", "v_proj_bias",
    "q_norm", "k_norm",
]
# Component builder → the family whose structure the reader knows (torchtune/reader.ts FAMILIES).
SCALED_MLP = {"llama2", "llama3", "llama3_1", "llama3_2"}
COMPONENTS = {
    "llama2": "llama2", "llama3": "llama3", "llama3_1": "llama3_1", "llama3_2": "llama3_2",
    "mistral": "mistral", "qwen2": "qwen2", "qwen3": "qwen3", "gemma": "gemma", "gemma2": "gemma2",
    "phi3": "phi3", "smollm2": "smollm2",
}


VENDORED = os.path.isdir(os.path.join(GIT, "torchtune"))


def git(*args):
    # A vendored copy answers the three questions the generator asks of git.
    if VENDORED:
        if args[0] == "rev-parse":
            return os.path.basename(os.path.normpath(GIT)) + "\n"
        if args[0] == "ls-tree":
            root = os.path.join(GIT, args[-1])
            found = []
            for folder, _, names in os.walk(root):
                for name in names:
                    found.append(os.path.relpath(os.path.join(folder, name), GIT).replace(os.sep, "/"))
            return "\n".join(sorted(found))
        if args[0] == "show":
            with open(os.path.join(GIT, args[1].split(":", 1)[1]), encoding="utf-8") as handle:
                return handle.read()
    return subprocess.run(["git", f"--git-dir={GIT}", *args], check=True, capture_output=True, text=True).stdout


def literal(node):
    try:
        return ast.literal_eval(node)
    except Exception:
        return None


commit = git("rev-parse", "HEAD").strip()
files = [p for p in git("ls-tree", "-r", "--name-only", "HEAD", "torchtune/models").split("\n") if p]


def component_signatures(package):
    """Default arguments of each component builder of a package: name → (arg names, defaults)."""
    path = f"torchtune/models/{package}/_component_builders.py"
    if path not in files:
        return {}
    tree = ast.parse(git("show", f"HEAD:{path}"))
    out = {}
    for fn in tree.body:
        if isinstance(fn, ast.FunctionDef) and fn.name in COMPONENTS:
            names = [a.arg for a in fn.args.args]
            defaults = {}
            for arg, default in zip(fn.args.args[len(fn.args.args) - len(fn.args.defaults):], fn.args.defaults):
                defaults[arg.arg] = literal(default)
            for arg, default in zip(fn.args.kwonlyargs, fn.args.kw_defaults):
                if default is not None:
                    defaults[arg.arg] = literal(default)
            out[fn.name] = (names, defaults)
    return out


rows = {}
skipped = []
for path in sorted(files):
    if not path.endswith("/_model_builders.py"):
        continue
    package = path.split("/")[2]
    tree = ast.parse(git("show", f"HEAD:{path}"))
    # Which package each imported component comes from.
    imported = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module and node.module.endswith("_component_builders"):
            source_package = node.module.split(".")[2]
            for alias in node.names:
                imported[alias.asname or alias.name] = source_package
    signatures_cache = {}
    for fn in tree.body:
        if not isinstance(fn, ast.FunctionDef):
            continue
        returns = [n for n in ast.walk(fn) if isinstance(n, ast.Return) and isinstance(n.value, ast.Call)]
        if len(returns) != 1 or not isinstance(returns[0].value.func, ast.Name):
            continue
        call = returns[0].value
        component = call.func.id
        is_lora = component.startswith("lora_")
        base_component = component[5:] if is_lora else component
        if base_component not in COMPONENTS or component not in imported:
            continue
        source_package = imported[component]
        if source_package not in signatures_cache:
            signatures_cache[source_package] = component_signatures(source_package)
        names, defaults = signatures_cache[source_package].get(base_component, ([], {}))
        args = {k: v for k, v in defaults.items() if k in FIELDS}
        for name, value in zip(names, call.args):
            if name in FIELDS:
                args[name] = literal(value)
        # Arguments the builder itself takes (llama3_2_1b(tie_word_embeddings=True)) pass through:
        # use the builder's default, and let the config override them (`model.tie_word_embeddings`).
        own = {}
        for arg, default in zip(fn.args.args[len(fn.args.args) - len(fn.args.defaults):], fn.args.defaults):
            own[arg.arg] = literal(default)
        overridable = []
        for keyword in call.keywords:
            if keyword.arg in FIELDS:
                if isinstance(keyword.value, ast.Name) and keyword.value.id in own:
                    args[keyword.arg] = own[keyword.value.id]
                    overridable.append(keyword.arg)
                else:
                    args[keyword.arg] = literal(keyword.value)
        if args.get("intermediate_dim") is None and base_component in SCALED_MLP and args.get("embed_dim"):
            # llama2/llama3 _model_utils.scale_hidden_dim_for_mlp(embed_dim), multiple_of 256.
            hidden = 4 * int(2 * args["embed_dim"] / 3)
            args["intermediate_dim"] = 256 * ((hidden + 255) // 256)
        needed = ["vocab_size", "num_layers", "num_heads", "num_kv_heads", "embed_dim", "intermediate_dim"]
        if any(args.get(k) is None for k in needed):
            skipped.append(f"{package}.{fn.name}")
            continue
        base_name = fn.name[5:] if is_lora else fn.name
        row = {"family": COMPONENTS[base_component], "module": package, **args}
        if overridable:
            row["overridable"] = overridable
        key = f"torchtune.models.{package}.{base_name}"
        rows[key] = row
    # Module-level aliases (`llama3_3_70b = llama3_1_70b`, imported from another _model_builders).
    builder_imports = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module and node.module.endswith("_model_builders"):
            for alias in node.names:
                builder_imports[alias.asname or alias.name] = node.module.split(".")[2]
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) and isinstance(node.value, ast.Name):
            target, value = node.targets[0].id, node.value.id
            if target.startswith(("lora_", "qlora_")):
                continue
            source_package = builder_imports.get(value, package)
            source = rows.get(f"torchtune.models.{source_package}.{value}")
            if source:
                rows[f"torchtune.models.{package}.{target}"] = {**source, "module": package}
    # qlora_x = partial(lora_x, quantize_base=True) and lora_x share the base row (reader strips prefixes).

print("// Generated by scripts/gen-torchtune-table.py from pytorch/torchtune@" + commit + ";")
print("// do not edit by hand. Each row: torchtune/models/<module>/_model_builders.py builder arguments")
print("// merged over its component builder's defaults (_component_builders.py).")
if skipped:
    print("// Skipped (dimensions not literal or computed): " + ", ".join(skipped))
print()
print("/** Arguments of one torchtune model builder (names as in the component builder). */")
print("export interface TorchtuneBuilderRow {")
print("  family: string;")
print("  module: string;")
for field in FIELDS:
    kind = "boolean" if field in ("tie_word_embeddings", "q_proj_bias", "k_proj_bias", "v_proj_bias", "q_norm", "k_norm") else "number"
    print(f"  {field}?: {kind} | null;")
print("  /** Builder arguments a config may override under `model:`. */")
print("  overridable?: string[];")
print("}")
print()
print("/** Defaults of one component builder (`torchtune.models.llama2.llama2`), configured by `model.*`. */")
print("export interface TorchtuneComponentRow {")
print("  family: string;")
print("  module: string;")
print("  defaults: Omit<TorchtuneBuilderRow, 'family' | 'module' | 'overridable'>;")
print("}")
print()
print(f"export const TORCHTUNE_SOURCE = {{ repo: 'pytorch/torchtune', commit: '{commit}' }} as const;")
print()
print("/** `_component_` of the base builder → its arguments (lora_/qlora_ builders share the row). */")
print("export const TORCHTUNE_BUILDERS: Readonly<Record<string, TorchtuneBuilderRow>> = {")
for key in sorted(rows):
    print(f"  '{key}': {json.dumps(rows[key])},")
print("};")
print()
print("/** Component builders by `_component_` (lora_ variants share the row), with their signature defaults. */")
print("export const TORCHTUNE_COMPONENTS: Readonly<Record<string, TorchtuneComponentRow>> = {")
for package in sorted({p.split("/")[2] for p in files if p.endswith("/_component_builders.py")}):
    for name, (names, defaults) in sorted(component_signatures(package).items()):
        row = {"family": COMPONENTS[name], "module": package, "defaults": {k: v for k, v in defaults.items() if k in FIELDS}}
        print(f"  'torchtune.models.{package}.{name}': {json.dumps(row)},")
print("};")
