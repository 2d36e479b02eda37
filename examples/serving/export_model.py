"""Exports the SavedModel that serve_soft_round.cc serves: SoftRound in it, and
a signature that returns its gradient too.

    python examples/serving/export_model.py /tmp/soft_round_model
"""

import argparse

import tensorflow as tf

import softround_ops

ALPHA = 5.0


class SoftRoundModel(tf.Module):
    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32, name="x")])
    def forward(self, x):
        return {"y": softround_ops.soft_round(x, ALPHA)}

    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32, name="x")])
    def with_gradient(self, x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = softround_ops.soft_round(x, ALPHA)
        return {"y": y, "dy_dx": tape.gradient(y, x)}


def export(path):
    model = SoftRoundModel()
    signatures = {"serving_default": model.forward, "with_gradient": model.with_gradient}
    tf.saved_model.save(model, path, signatures=signatures)
    return model


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", help="where to write the SavedModel")
    export(parser.parse_args().path)


if __name__ == "__main__":
    main()
