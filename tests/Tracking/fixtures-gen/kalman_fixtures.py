#!/usr/bin/env python3
"""Reference numbers for MaskStream.Tracking's KalmanFilter.

A numpy-only port of ByteTrack's yolox/tracker/kalman_filter.py (ifzhang/ByteTrack, read from the
fork CaoJiahao2/ByteTrack at commit 8ac214b48040877a0db22b0be65aaf41b457d793). The original uses
scipy.linalg.cho_factor/cho_solve for the gain; scipy is not installed here, so the same Cholesky
solve is written with numpy.linalg.cholesky and two triangular solves (np.linalg.solve on the
triangular factor): the arithmetic is the same up to rounding (~1e-12).

Also ports STrack.predict's quirk (height velocity zeroed before predicting a track that is not
in the Tracked state) and tlwh_to_xyah / tlwh, so the box conversions are pinned as well.

Usage: python3 kalman_fixtures.py > ../fixtures/kalman_bytetrack.json
"""
import json
import sys

import numpy as np


class KalmanFilter:
    def __init__(self):
        ndim, dt = 4, 1.0
        self._motion_mat = np.eye(2 * ndim, 2 * ndim)
        for i in range(ndim):
            self._motion_mat[i, ndim + i] = dt
        self._update_mat = np.eye(ndim, 2 * ndim)
        self._std_weight_position = 1.0 / 20
        self._std_weight_velocity = 1.0 / 160

    def initiate(self, measurement):
        mean_pos = measurement
        mean_vel = np.zeros_like(mean_pos)
        mean = np.r_[mean_pos, mean_vel]
        std = [
            2 * self._std_weight_position * measurement[3],
            2 * self._std_weight_position * measurement[3],
            1e-2,
            2 * self._std_weight_position * measurement[3],
            10 * self._std_weight_velocity * measurement[3],
            10 * self._std_weight_velocity * measurement[3],
            1e-5,
            10 * self._std_weight_velocity * measurement[3]]
        covariance = np.diag(np.square(std))
        return mean, covariance

    def predict(self, mean, covariance):
        std_pos = [
            self._std_weight_position * mean[3],
            self._std_weight_position * mean[3],
            1e-2,
            self._std_weight_position * mean[3]]
        std_vel = [
            self._std_weight_velocity * mean[3],
            self._std_weight_velocity * mean[3],
            1e-5,
            self._std_weight_velocity * mean[3]]
        motion_cov = np.diag(np.square(np.r_[std_pos, std_vel]))
        mean = np.dot(mean, self._motion_mat.T)
        covariance = np.linalg.multi_dot((self._motion_mat, covariance, self._motion_mat.T)) + motion_cov
        return mean, covariance

    def project(self, mean, covariance):
        std = [
            self._std_weight_position * mean[3],
            self._std_weight_position * mean[3],
            1e-1,
            self._std_weight_position * mean[3]]
        innovation_cov = np.diag(np.square(std))
        mean = np.dot(self._update_mat, mean)
        covariance = np.linalg.multi_dot((self._update_mat, covariance, self._update_mat.T))
        return mean, covariance + innovation_cov

    def update(self, mean, covariance, measurement):
        projected_mean, projected_cov = self.project(mean, covariance)
        # scipy.linalg.cho_solve((L, lower=True), B) == solve(L.T, solve(L, B))
        chol = np.linalg.cholesky(projected_cov)
        b = np.dot(covariance, self._update_mat.T).T
        kalman_gain = np.linalg.solve(chol.T, np.linalg.solve(chol, b)).T
        innovation = measurement - projected_mean
        new_mean = mean + np.dot(innovation, kalman_gain.T)
        new_covariance = covariance - np.linalg.multi_dot((kalman_gain, projected_cov, kalman_gain.T))
        return new_mean, new_covariance


def tlwh_to_xyah(tlwh):
    ret = np.asarray(tlwh, dtype=np.float64).copy()
    ret[:2] += ret[2:] / 2
    ret[2] /= ret[3]
    return ret


def mean_to_tlwh(mean):
    ret = mean[:4].copy()
    ret[2] *= ret[3]
    ret[:2] -= ret[2:] / 2
    return ret


def sequence(rng, kf, steps):
    """One track: initiate from a box, then per frame predict and (mostly) update with a noisy
    measurement of a box moving at constant velocity; some frames are misses (predict only, the
    track marked lost, so its height velocity is zeroed first as STrack.predict does)."""
    x, y = rng.uniform(50, 600), rng.uniform(50, 400)
    w, h = rng.uniform(10, 80), rng.uniform(30, 200)
    vx, vy, vh = rng.uniform(-6, 6), rng.uniform(-4, 4), rng.uniform(-0.5, 0.5)
    tlwh0 = [x, y, w, h]
    mean, cov = kf.initiate(tlwh_to_xyah(tlwh0))
    out = {"initial_tlwh": tlwh0, "initial": {"mean": mean.tolist(), "covariance": cov.tolist()}, "steps": []}
    tracked = True
    for t in range(1, steps + 1):
        cx, cy = x + vx * t, y + vy * t
        ch = h + vh * t
        noisy = [cx + rng.normal(0, 1.5), cy + rng.normal(0, 1.5), w * (1 + rng.normal(0, 0.03)), ch + rng.normal(0, 1.5)]
        missed = rng.uniform() < 0.25
        step = {"tracked_before_predict": tracked}
        if not tracked:
            mean = mean.copy()
            mean[7] = 0
        mean, cov = kf.predict(mean, cov)
        step["predicted"] = {"mean": mean.tolist(), "covariance": cov.tolist()}
        pm, pc = kf.project(mean, cov)
        step["projected"] = {"mean": pm.tolist(), "covariance": pc.tolist()}
        if missed:
            tracked = False
            step["measurement_tlwh"] = None
        else:
            tracked = True
            z = tlwh_to_xyah(noisy)
            step["measurement_tlwh"] = noisy
            step["measurement_xyah"] = z.tolist()
            mean, cov = kf.update(mean, cov, z)
            step["updated"] = {"mean": mean.tolist(), "covariance": cov.tolist()}
        step["tlwh"] = mean_to_tlwh(mean).tolist()
        out["steps"].append(step)
    return out


def main():
    rng = np.random.default_rng(20260707)
    kf = KalmanFilter()
    doc = {
        "source": "numpy port of ByteTrack yolox/tracker/kalman_filter.py (CaoJiahao2/ByteTrack@8ac214b), "
                  "tests/Tracking/fixtures-gen/kalman_fixtures.py, seed 20260707",
        "numpy": np.__version__,
        "sequences": [sequence(rng, kf, 24) for _ in range(5)],
    }
    # 12 significant digits keep the file small and are far below the 1e-5 the tests compare to.
    text = json.dumps(_round(doc), separators=(",", ":"))
    sys.stdout.write(text.replace('{"tracked_before', '\n{"tracked_before') + "\n")


def _round(v):
    if isinstance(v, float):
        return float(f"{v:.12g}")
    if isinstance(v, list):
        return [_round(x) for x in v]
    if isinstance(v, dict):
        return {k: _round(x) for k, x in v.items()}
    return v


if __name__ == "__main__":
    main()
