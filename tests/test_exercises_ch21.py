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
        (lambda grads, sizes: sum(n * g for n, g in zip(sizes, grads)), "summed over all the rows"),
        (lambda grads, sizes: sum(grads), "without weighting"),
        (lambda grads, sizes: np.zeros(3), "shape"),
        (lambda grads, sizes: [sum(grads)][1:] or None, "return"),
    ],
)
def test_21_1_names_the_mistake(answer, reason):
    assert check("21.1", _weighted).passed is True
    result = check("21.1", answer)
    assert result.passed is False and reason in result.reason


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


@pytest.mark.parametrize(
    "answer, reason",
    [
        ((256, 0.4), "scaled by the number of workers"),
        ((32, 0.05), "one worker's share"),
        ((256, 0.05 / 8), "divided by the number of workers"),
    ],
)
def test_21_2_names_the_slip(answer, reason):
    assert reason in check("21.2", answer).reason


@pytest.mark.parametrize(
    "answer, reason",
    [
        ((44.8e6, 204.8e6), "not bytes"),
        ((89.6e6, 819.2e6), "reduce-scatter"),
        ((179.2e6, 716.8e6), "not P - 1"),
        ((1433.6e6, 819.2e6), "chunks"),
        ((204.8e6, 819.2e6), "very many workers"),
    ],
)
def test_21_3_names_the_slip(answer, reason):
    assert reason in check("21.3", answer).reason


def test_graders_report_an_exception_in_the_readers_code():
    def broken(*args):
        raise KeyError("oops")

    for exercise_id in ("21.1", "21.4"):
        result = check(exercise_id, broken)
        assert result.passed is False and "raised KeyError" in result.reason
    assert check("21.1", lambda grads, sizes: None).passed is None  # a skeleton


def test_21_4_names_a_larger_gradient():
    assert "larger" in check("21.4", lambda g, k, P: g * k).reason
