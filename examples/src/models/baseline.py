"""Baseline detector: logistic regression on MFCC statistics per window (EXP-0001)."""

import librosa
import numpy as np
from sklearn.linear_model import LogisticRegression

SAMPLE_RATE_HZ = 16_000
N_MFCC = 20
HOP = 160  # 10 ms
WINDOW_S = 2.0
STEP_S = 1.0


def window_features(audio):
    """Start times in seconds and, per window, the mean and variance of each MFCC."""
    mfcc = librosa.feature.mfcc(
        y=audio, sr=SAMPLE_RATE_HZ, n_mfcc=N_MFCC, n_fft=400, hop_length=HOP
    )
    frames_per_s = SAMPLE_RATE_HZ // HOP
    size = int(WINDOW_S * frames_per_s)
    step = int(STEP_S * frames_per_s)
    starts = np.arange(0, max(mfcc.shape[1] - size + 1, 0), step)
    features = np.array(
        [np.concatenate([mfcc[:, s : s + size].mean(axis=1), mfcc[:, s : s + size].var(axis=1)]) for s in starts]
    ).reshape(len(starts), 2 * N_MFCC)
    return starts / frames_per_s, features


def train(features, labels, c=1.0):
    """Fits the baseline; classes are balanced because about 3% of windows hold a call."""
    model = LogisticRegression(C=c, class_weight="balanced", max_iter=1000)
    return model.fit(features, labels)


def detect(model, features, threshold=0.5):
    """Scores each window and flags those at or above the threshold."""
    scores = model.predict_proba(features)[:, 1]
    return scores, scores >= threshold
