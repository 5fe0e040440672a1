"""The exercise banks of chapters 7-11: ids, and graders that pass right code and say what is
wrong with the likely mistakes (the worked solutions themselves run on book/solutions/)."""

import math

import numpy as np
import pytest

from derivlab.exercises import check, exercise_ids


def test_ids():
    assert exercise_ids(7) == ["7.1", "7.2", "7.3", "7.4"]
    assert exercise_ids(8) == ["8.1", "8.2", "8.3", "8.4"]
    assert exercise_ids(9) == ["9.1", "9.2", "9.3", "9.4", "9.5"]
    assert exercise_ids(10) == ["10.1", "10.2", "10.3", "10.4"]
    assert exercise_ids(11) == ["11.1", "11.2", "11.3", "11.4"]


# ---- 7.4: an exp node, on a minimal copy of the chapter's tape ----
class Value:
    def __init__(self, data, label="", op="", parents=(), local=()):
        self.data, self.label, self.op = float(data), label, op
        self.parents, self.local, self.grad = parents, local, 0.0

    def __add__(self, other):
        return Value(self.data + other.data, op="+", parents=(self, other), local=(1.0, 1.0))

    def __mul__(self, other):
        local = (other.data, self.data)
        return Value(self.data * other.data, op="*", parents=(self, other), local=local)


def _exp(a, local=None, parents=None):
    out = math.exp(a.data)
    return Value(out, parents=(a,) if parents is None else parents, local=(local or out,))


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (_exp, None),
        (lambda a: _exp(a, local=a.data), "local derivative"),
        (lambda a: _exp(a, parents=()), "parent"),
        (lambda a: math.exp(a.data), "not a new Value"),
    ],
)
def test_exp_node(answer, message):
    result = check("7.4", answer, Value=Value)
    assert result.passed is (message is None)
    if message:
        assert message in result.reason


# ---- 8.4: a JVP with dual numbers ----
class Dual:
    def __init__(self, real, eps=0.0):
        self.real, self.eps = float(real), float(eps)

    def __add__(self, other):
        other = other if isinstance(other, Dual) else Dual(other)
        return Dual(self.real + other.real, self.eps + other.eps)

    def __mul__(self, other):
        other = other if isinstance(other, Dual) else Dual(other)
        return Dual(self.real * other.real, self.real * other.eps + self.eps * other.real)

    __radd__, __rmul__ = __add__, __mul__

    def sin(self):
        return Dual(math.sin(self.real), math.cos(self.real) * self.eps)

    def exp(self):
        return Dual(math.exp(self.real), math.exp(self.real) * self.eps)


def _dual_jvp(f, x, v, part="eps"):
    return np.array([getattr(out, part) for out in f([Dual(a, b) for a, b in zip(x, v)])])


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (_dual_jvp, None),
        (lambda f, x, v: _dual_jvp(f, x, np.ones_like(v)), "v is not used"),
        (lambda f, x, v: _dual_jvp(f, x, v, part="real"), "real parts"),
        (lambda f, x, v: _dual_jvp(f, x, v)[:1], "shape"),
    ],
)
def test_dual_jvp(answer, message):
    result = check("8.4", answer)
    assert result.passed is (message is None)
    if message:
        assert message in result.reason


# ---- 9.5: a linear layer's backward pass ----
@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (lambda X, W, G: (G @ W, G.T @ X, G.sum(axis=0)), None),
        (lambda X, W, G: (G @ W, G.T @ X, G.mean(axis=0)), "summed, not averaged"),
        (lambda X, W, G: (G @ W, X.T @ G, G.sum(axis=0)), "shape of W"),
        (lambda X, W, G: (G @ W, G.T @ X), "three cotangents"),
    ],
)
def test_linear_backward(answer, message):
    result = check("9.5", answer)
    assert result.passed is (message is None)
    if message:
        assert message in result.reason


# ---- 10.4: AMSGrad ----
def _amsgrad(x, g, s, t, lr=0.01, keep_max=True, correct=True):
    s["m"] = 0.9 * s.get("m", 0.0) + 0.1 * g
    s["v"] = 0.999 * s.get("v", 0.0) + 0.001 * g**2
    s["v_max"] = np.maximum(s.get("v_max", 0.0), s["v"]) if keep_max else s["v"]
    m_hat = s["m"] / (1 - 0.9**t) if correct else s["m"]
    v_hat = s["v_max"] / (1 - 0.999**t) if correct else s["v_max"]
    return x - lr * m_hat / (np.sqrt(v_hat) + 1e-8)


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (_amsgrad, None),
        (lambda x, g, s, t, lr=0.01: _amsgrad(x, g, s, t, lr, keep_max=False), "Adam's steps"),
        (lambda x, g, s, t, lr=0.01: _amsgrad(x, g, s, t, lr, correct=False), "bias correct"),
        (lambda x, g, s, t, lr=0.01: _amsgrad(x, g, s, t), "lr argument"),
        (lambda x, g, s, t: _amsgrad(x, g, s, t), "TypeError"),
    ],
)
def test_amsgrad(answer, message):
    result = check("10.4", answer)
    assert result.passed is (message is None)
    if message:
        assert message in result.reason


# ---- 11.4: the elastic-net prox ----
def _soft(z, t):
    return np.sign(z) * np.maximum(np.abs(z) - t, 0.0)


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (lambda z, t1, t2: _soft(z, t1) / (1 + t2), None),
        (lambda z, t1, t2: _soft(z / (1 + t2), t1 / (1 + t2)), None),  # the same map
        (lambda z, t1, t2: _soft(z, t1), "ignores t₂"),
        (lambda z, t1, t2: z / (1 + t2), "ignores t₁"),
        (lambda z, t1, t2: _soft(z, t1) / (1 + t2) + 1e-300 * (z != 0), "exactly 0.0"),
    ],
)
def test_elastic_net_prox(answer, message):
    result = check("11.4", answer)
    assert result.passed is (message is None)
    if message:
        assert message in result.reason


# ---- value exercises: the likeliest slips get messages of their own ----
@pytest.mark.parametrize(
    ("exercise_id", "answer", "message"),
    [
        ("7.1", (-4.0, 10.0, 6.0), None),
        ("7.1", (-5.0, 10.0, 6.0), "∂L/∂a counts only one"),
        ("7.1", (-4.0, 10.0, 5.0), "∂L/∂c counts only one"),
        ("7.1", (0.0, 0.0, 0.0), "the value is not right"),
        ("7.1", "a string", "number or array"),
        ("9.3", 0.125, None),
        ("9.3", 2 / 128, "variance"),
        ("10.2", 0.1, None),
        ("10.2", 10.0, "velocity"),
        ("10.3", 0.005, "not by t"),
        ("11.1", (-0.2, 0.0, 0.7), None),
        ("11.1", (-0.2, -0.1, 0.7), "crossed zero"),
        ("11.3", 0.9, "each step multiplies"),
    ],
)
def test_value_mistakes(exercise_id, answer, message):
    result = check(exercise_id, answer)
    assert result.passed is (message is None)
    if message:
        assert message in result.reason
    assert check(exercise_id, ...).passed is None


def test_value_exercises_still_name_missing_context():
    with pytest.raises(TypeError, match="takes no params"):
        check("7.1", (-4.0, 10.0, 6.0), params={})
