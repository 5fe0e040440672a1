"""Chapter 21's exercise bank: the right answers pass, the likely mistakes get their reason."""

import numpy as np
import pytest

from derivlab.exercises import check


def _weighted(grads, sizes):
    return sum(n / sum(sizes) * g for n, g in zip(sizes, grads))


@pytest.mark.parametrize(
    "answer, reason",
    [
        (lambda grads, sizes: sum(grads) / len(grads), "plain average"),
        (lambda grads, sizes: sum(n * g for n, g in zip(sizes, grads)), "summed loss"),
        (lambda grads, sizes: sum(grads), "without weighting"),
        (lambda grads, sizes: np.zeros(3), "shape"),
    ],
)
def test_21_1_names_the_mistake(answer, reason):
    assert check("21.1", _weighted).passed is True
    result = check("21.1", answer)
    assert result.passed is False and reason in result.reason


def test_21_1_empty_function_is_not_attempted():
    assert check("21.1", lambda grads, sizes: None).passed is None


def test_21_1_rejects_changing_the_inputs():
    def in_place(grads, sizes):
        grads[0] *= 0.0
        return _weighted(grads, sizes)

    assert "changed" in check("21.1", in_place).reason


def test_21_2_and_21_3_values():
    assert check("21.2", (256, 0.05)).passed is True
    assert check("21.2", (256, 0.4)).passed is False
    assert check("21.3", (179.2e6, 819.2e6)).passed is True
    assert check("21.3", (2 * 25.6e6 * 4, 819.2e6)).passed is False


def test_21_4_names_the_mistake():
    assert check("21.4", lambda g, k, P: g / k).passed is True
    assert "workers" in check("21.4", lambda g, k, P: g / (k * P)).reason
    assert "unchanged" in check("21.4", lambda g, k, P: g).reason
    assert check("21.4", lambda g, k, P: g * P / k).passed is False
