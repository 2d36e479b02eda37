"""Trains a small model with a SoftRound layer under a tf.distribute strategy and prints
its per-epoch losses as JSON. Run by test_portability.py in separate processes:

    python distributed_train.py single|mirrored|multiworker fit|loop

multiworker reads the cluster and its task from TF_CONFIG. "fit" is Keras's
model.fit; "loop" a custom loop with strategy.run (Keras 3.15's fit fails under
MultiWorkerMirroredStrategy for any model: it passes a PerReplica value where
a tensor is expected). Both use a global batch of 64 that the replicas split.
"""

import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

KIND, LOOP = sys.argv[1], sys.argv[2]
GLOBAL_BATCH, EPOCHS = 64, 4
if KIND == "mirrored":
    # Two logical CPU devices, configured before TensorFlow initializes.
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)

import softround_ops  # noqa: E402

strategy = {
    "single": lambda: tf.distribute.OneDeviceStrategy("/cpu:0"),
    "mirrored": lambda: tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"]),
    "multiworker": lambda: tf.distribute.MultiWorkerMirroredStrategy(),
}[KIND]()

rng = np.random.default_rng(0)
x = rng.uniform(-2, 2, (1024, 4)).astype(np.float32)
y = np.round(x @ np.array([1.5, -2.0, 0.5, 1.0], np.float32))[:, None].astype(np.float32)
schedule = softround_ops.keras.AlphaSchedule(1.0, 8.0)

with strategy.scope():
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((4,)),
            keras.layers.Dense(8, activation="relu"),
            keras.layers.Dense(1),
            softround_ops.keras.SoftRound(alpha=1.0),
        ]
    )
    optimizer = keras.optimizers.SGD(0.05)

if LOOP == "fit":
    with strategy.scope():
        model.compile(optimizer=optimizer, loss="mae")
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(GLOBAL_BATCH)
    losses = model.fit(dataset, epochs=EPOCHS, verbose=0, callbacks=[schedule]).history["loss"]
else:

    def per_replica_dataset(context):
        # Pipeline i takes the i-th part of each global batch, then splits it
        # among its replicas: together they see exactly the global batch.
        part = GLOBAL_BATCH // context.num_input_pipelines
        i = context.input_pipeline_id
        batches = tf.data.Dataset.from_tensor_slices((x, y)).batch(GLOBAL_BATCH)
        parts = batches.map(lambda a, b: (a[i * part : (i + 1) * part], b[i * part : (i + 1) * part]))
        return parts.unbatch().batch(context.get_per_replica_batch_size(GLOBAL_BATCH))

    data = strategy.distribute_datasets_from_function(per_replica_dataset)

    @tf.function
    def train_step(batch):
        def replica_step(features, labels):
            with tf.GradientTape() as tape:
                errors = tf.abs(model(features, training=True) - labels)[:, 0]
                loss = tf.nn.compute_average_loss(errors, global_batch_size=GLOBAL_BATCH)
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply(grads, model.trainable_variables)
            return loss

        return strategy.reduce("SUM", strategy.run(replica_step, args=batch), axis=None)

    layer = model.layers[-1]
    losses = []
    for epoch in range(EPOCHS):
        layer.alpha.assign(schedule.value(epoch / (EPOCHS - 1)))
        step_losses = [float(train_step(batch)) for batch in data]
        losses.append(sum(step_losses) / len(step_losses))

print(json.dumps({"loss": losses, "replicas": strategy.num_replicas_in_sync}))
