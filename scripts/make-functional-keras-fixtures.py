#!/usr/bin/env python3
"""
Writes the encoder-decoder of enc_dec.tfjs.json (made by make-functional-fixtures.ts) as the files
Keras itself writes for that functional model, with h5py (there is no Keras here):

enc_dec_keras2.h5 -- tf.keras 2.15 `model.save("m.h5")`:
  root attrs keras_version, backend, model_config (JSON bytes) -- keras/src/saving/legacy/hdf5_format.py
  (Keras 2: keras/saving/legacy/hdf5_format.py save_model_to_hdf5, save_weights_to_hdf5_group);
  model_config = {"class_name": "Functional", "config": Functional.get_config()} where
  get_config (keras/engine/functional.py get_network_config) lists every layer once with
  "inbound_nodes": [[[layer, node, tensor, kwargs], ...], ...] (engine/node.py Node.serialize);
  an RNN called with initial_state lists the states after its input (layers/rnn/base_rnn.py
  RNN.__call__ makes them positional inputs);
  model_weights/<layer>/ attrs weight_names, datasets at model_weights/<layer>/<weight name>,
  LSTM cells named lstm_cell, lstm_cell_1, ... (numbered per model, as tf.keras names cells).

enc_dec_keras3.keras -- Keras 3 `model.save("m.keras")` (keras/src/saving/saving_lib.py):
  zip of metadata.json, config.json, model.weights.h5;
  config.json = serialize_keras_object(model): {module, class_name: "Functional", config, registered_name,
  build_config} with Functional.get_config (keras/src/models/functional.py): layers with "name" and
  "inbound_nodes": [{"args": [...], "kwargs": {...}}] (serialize_node), every tensor a
  {"class_name": "__keras_tensor__", "config": {shape, dtype, keras_history}}; initial_state in kwargs;
  merge layers take one positional list; input_layers/output_layers lists of [layer, node, tensor];
  model.weights.h5: layers/<snake_case class>[_N]/vars/<i> (_save_container_state, naming.to_snake_case),
  an RNN's weights under layers/<name>/cell/vars.
"""
import io, json, sys, zipfile
import h5py
import numpy as np

out = sys.argv[1]
src = json.load(open(f"{out}/enc_dec.tfjs.json"))
W = {w["name"]: np.array(w["data"], dtype=np.float32).reshape(w["shape"]) for w in src["weights"]}
tfjs_layers = src["topology"]["config"]["layers"]

def lstm_config(name, return_sequences, return_state, k3):
    c = {"name": name, "trainable": True, "return_sequences": return_sequences, "return_state": return_state,
         "go_backwards": False, "stateful": False, "unroll": False, "zero_output_for_mask": False, "units": 4,
         "activation": "tanh", "recurrent_activation": "sigmoid", "use_bias": True,
         "unit_forget_bias": True, "kernel_regularizer": None, "recurrent_regularizer": None, "bias_regularizer": None,
         "activity_regularizer": None, "kernel_constraint": None, "recurrent_constraint": None, "bias_constraint": None,
         "dropout": 0.0, "recurrent_dropout": 0.0}
    if k3:
        c["dtype"] = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": None}
        c["kernel_initializer"] = {"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": None}, "registered_name": None}
        c["recurrent_initializer"] = {"module": "keras.initializers", "class_name": "OrthogonalInitializer", "config": {"gain": 1.0, "seed": None}, "registered_name": None}
        c["bias_initializer"] = {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": None}
        c["seed"] = None
    else:
        c["dtype"] = "float32"
        c["time_major"] = False
        c["implementation"] = 2
        c["kernel_initializer"] = {"class_name": "GlorotUniform", "config": {"seed": None}}
        c["recurrent_initializer"] = {"class_name": "Orthogonal", "config": {"gain": 1.0, "seed": None}}
        c["bias_initializer"] = {"class_name": "Zeros", "config": {}}
    return c

def dense_config(k3):
    c = {"name": "head", "trainable": True, "units": 2, "activation": "tanh", "use_bias": True,
         "kernel_regularizer": None, "bias_regularizer": None, "activity_regularizer": None,
         "kernel_constraint": None, "bias_constraint": None}
    if k3:
        c["dtype"] = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": None}
        c["kernel_initializer"] = {"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": None}, "registered_name": None}
        c["bias_initializer"] = {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": None}
    else:
        c["dtype"] = "float32"
        c["kernel_initializer"] = {"class_name": "GlorotUniform", "config": {"seed": None}}
        c["bias_initializer"] = {"class_name": "Zeros", "config": {}}
    return c

def concat_config(k3):
    c = {"name": "states", "trainable": True, "axis": -1}
    c["dtype"] = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": None} if k3 else "float32"
    return c

SHAPES = {("enc_in", 0): [None, 5, 3], ("dec_in", 0): [None, 4, 2], ("encoder", 0): [None, 4], ("encoder", 1): [None, 4],
          ("encoder", 2): [None, 4], ("decoder", 0): [None, 4, 4]}

# The graph, layer by layer in the tfjs file's order: (name, class, calls); a call = (inputs, initial_state).
GRAPH = {
    "enc_in": ("InputLayer", []),
    "dec_in": ("InputLayer", []),
    "encoder": ("LSTM", [([("enc_in", 0, 0)], [])]),
    "decoder": ("LSTM", [([("dec_in", 0, 0)], [("encoder", 0, 1), ("encoder", 0, 2)])]),
    "head": ("Dense", [([("decoder", 0, 0)], []), ([("encoder", 0, 2)], [])]),
    "states": ("Concatenate", [([("encoder", 0, 1), ("encoder", 0, 2)], [])]),
}
ORDER = [l["name"] for l in tfjs_layers]
assert sorted(ORDER) == sorted(GRAPH), ORDER

def layer_config(name, k3):
    cls = GRAPH[name][0]
    if cls == "InputLayer":
        shape = SHAPES[(name, 0)]
        return {"batch_shape": shape, "dtype": "float32", "sparse": False, "name": name} if k3 else \
               {"batch_input_shape": shape, "dtype": "float32", "sparse": False, "ragged": False, "name": name}
    if cls == "LSTM":
        return lstm_config(name, name == "decoder", name == "encoder", k3)
    if cls == "Dense":
        return dense_config(k3)
    return concat_config(k3)

OUTPUTS = [["head", 0, 0], ["head", 1, 0], ["states", 0, 0]]
INPUTS = [["enc_in", 0, 0], ["dec_in", 0, 0]]

# ---- Keras 2 (.h5) ----
def k2_layers():
    out = []
    for name in ORDER:
        cls, calls = GRAPH[name]
        nodes = [[[t[0], t[1], t[2], {}] for t in ins + states] for ins, states in calls]
        out.append({"class_name": cls, "config": layer_config(name, False), "name": name, "inbound_nodes": nodes})
    return out

k2_config = {"class_name": "Functional", "config": {"name": "enc_dec", "trainable": True, "layers": k2_layers(),
             "input_layers": INPUTS, "output_layers": OUTPUTS}}
K2_WEIGHTS = {  # tf.keras weight names: <layer>/<cell>/<slot>:0, cells numbered per model
    "encoder": ["encoder/lstm_cell/kernel:0", "encoder/lstm_cell/recurrent_kernel:0", "encoder/lstm_cell/bias:0"],
    "decoder": ["decoder/lstm_cell_1/kernel:0", "decoder/lstm_cell_1/recurrent_kernel:0", "decoder/lstm_cell_1/bias:0"],
    "head": ["head/kernel:0", "head/bias:0"],
}
def tfjs_name(layer, keras_name):
    return f"{layer}/{keras_name.split('/')[-1].split(':')[0]}"

with h5py.File(f"{out}/enc_dec_keras2.h5", "w") as f:
    f.attrs["keras_version"] = b"2.15.0"
    f.attrs["backend"] = b"tensorflow"
    f.attrs["model_config"] = json.dumps(k2_config).encode("utf8")
    mw = f.create_group("model_weights")
    mw.attrs["layer_names"] = np.array([n.encode() for n in ORDER], dtype="S")
    mw.attrs["backend"] = b"tensorflow"
    mw.attrs["keras_version"] = b"2.15.0"
    for name in ORDER:
        g = mw.create_group(name)
        names = K2_WEIGHTS.get(name, [])
        g.attrs["weight_names"] = np.array([n.encode() for n in names], dtype="S")
        for n in names:
            g.create_dataset(n, data=W[tfjs_name(name, n)])

# ---- Keras 3 (.keras) ----
def kt(ref):
    return {"class_name": "__keras_tensor__", "config": {"shape": SHAPES[(ref[0], ref[2])], "dtype": "float32",
            "keras_history": [ref[0], ref[1], ref[2]]}}

def k3_layers():
    out = []
    for name in ORDER:
        cls, calls = GRAPH[name]
        nodes = []
        for ins, states in calls:
            arg = [kt(t) for t in ins] if cls == "Concatenate" else kt(ins[0])
            kwargs = {"initial_state": [kt(t) for t in states]} if states else ({"mask": None} if cls == "LSTM" else {})
            nodes.append({"args": [arg], "kwargs": kwargs})
        entry = {"module": "keras.layers", "class_name": cls, "config": layer_config(name, True), "registered_name": None,
                 "name": name, "inbound_nodes": nodes}
        if cls != "InputLayer":
            first = calls[0][0]
            shapes = [SHAPES[(t[0], t[2])] for t in first]
            entry["build_config"] = {"input_shape": shapes if cls == "Concatenate" else shapes[0]}
        out.append(entry)
    return out

k3_config = {"module": "keras.src.models.functional", "class_name": "Functional",
             "config": {"name": "enc_dec", "trainable": True, "layers": k3_layers(), "input_layers": INPUTS, "output_layers": OUTPUTS},
             "registered_name": "Functional", "build_config": {"input_shape": None}, "compile_config": None}

def snake(cls):
    import re
    s = re.sub(r"\W+", "", cls)
    s = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", s)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", s).lower()

buf = io.BytesIO()
with h5py.File(buf, "w") as f:
    f.create_group("vars")
    layers = f.create_group("layers")
    used = {}
    for name in ORDER:
        cls = GRAPH[name][0]
        base = snake(cls)
        n = used.get(base)
        used[base] = 0 if n is None else n + 1
        path = base if n is None else f"{base}_{n + 1}"
        g = layers.create_group(path)
        vars_ = g.create_group("vars")
        if cls == "LSTM":
            vars_ = g.create_group("cell").create_group("vars")
        for i, slot in enumerate({"LSTM": ["kernel", "recurrent_kernel", "bias"], "Dense": ["kernel", "bias"]}.get(cls, [])):
            vars_.create_dataset(str(i), data=W[f"{name}/{slot}"])
    f.create_group("optimizer").create_group("vars")
with zipfile.ZipFile(f"{out}/enc_dec_keras3.keras", "w") as z:
    z.writestr("metadata.json", json.dumps({"keras_version": "3.5.0", "date_saved": "2026-12-07@00:00:00"}))
    z.writestr("config.json", json.dumps(k3_config))
    z.writestr("model.weights.h5", buf.getvalue())
print("wrote", out)
