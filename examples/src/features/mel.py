"""Log-mel spectrogram windows, the input of the call detector (DEC-0002)."""

import librosa
import numpy as np

SAMPLE_RATE_HZ = 16_000
N_FFT = 400  # 25 ms frames
HOP = 160  # every 10 ms
N_MELS = 64
FMIN_HZ = 50
FMAX_HZ = 8_000
WINDOW_S = 2.0
STEP_S = 1.0


def load(path):
    """Reads a recording as mono float32 at SAMPLE_RATE_HZ, whatever rate it was made at."""
    audio, _ = librosa.load(path, sr=SAMPLE_RATE_HZ, mono=True)
    return audio


def log_mel(audio):
    """The log-mel spectrogram of a recording, shape (N_MELS, frames)."""
    power = librosa.feature.melspectrogram(
        y=audio,
        sr=SAMPLE_RATE_HZ,
        n_fft=N_FFT,
        hop_length=HOP,
        n_mels=N_MELS,
        fmin=FMIN_HZ,
        fmax=FMAX_HZ,
    )
    return librosa.power_to_db(power, ref=np.max)


def windows(spectrogram):
    """Yields (start in seconds, window) for windows of WINDOW_S every STEP_S."""
    frames_per_s = SAMPLE_RATE_HZ // HOP
    size = int(WINDOW_S * frames_per_s)
    step = int(STEP_S * frames_per_s)
    for start in range(0, spectrogram.shape[1] - size + 1, step):
        yield start / frames_per_s, spectrogram[:, start : start + size]
