"""tensorflow-compression's soft round, its inverse and conditional mean as
TensorFlow ops (written from the paper and its published API): what its
users run today, and what the benchmarks compare with."""

import tensorflow as tf


def tfc_soft_round(x, alpha, eps=1e-3):
    m = tf.floor(x) + 0.5
    r = x - m
    z = tf.tanh(alpha / 2.0) * 2.0
    y = m + tf.tanh(alpha * r) / z
    return tf.where(alpha < eps, x, y)


def tfc_soft_round_inverse(y, alpha, eps=1e-3):
    m = tf.floor(y) + 0.5
    s = (y - m) * (tf.tanh(alpha / 2.0) * 2.0)
    r = tf.clip_by_value(tf.atanh(s) / alpha, -0.5, 0.5)
    return tf.where(alpha < eps, y, m + r)


def tfc_soft_round_conditional_mean(y, alpha):
    return tfc_soft_round_inverse(y - 0.5, alpha) + 0.5
