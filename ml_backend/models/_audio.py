"""Reading WAV audio and computing log-mel spectrograms with torch alone (no torchaudio)."""
import io
import math
import wave

from ..media import MediaError

#: Everything is resampled to this rate before analysis.
RATE = 16000


def read_wav(raw, what="audio"):
    """Mono float samples in [-1, 1] at RATE from WAV bytes. Raises MediaError."""
    import numpy as np
    import torch

    try:
        with wave.open(io.BytesIO(raw)) as wav:
            channels, width, rate = wav.getnchannels(), wav.getsampwidth(), wav.getframerate()
            frames = wav.readframes(wav.getnframes())
    except (wave.Error, EOFError) as exc:
        raise MediaError(f"{what}: not a PCM WAV file ({exc})") from exc
    kinds = {1: ("u1", 128.0, 128.0), 2: ("<i2", 0.0, 32768.0), 4: ("<i4", 0.0, 2147483648.0)}
    if width not in kinds:
        raise MediaError(f"{what}: {8 * width}-bit WAV is not supported")
    dtype, offset, scale = kinds[width]
    data = (np.frombuffer(frames, dtype=dtype).astype(np.float32) - offset) / scale
    x = torch.from_numpy(data.reshape(-1, channels).mean(axis=1))
    if rate != RATE and len(x) > 1:
        n = max(1, int(round(len(x) * RATE / rate)))
        x = torch.nn.functional.interpolate(x[None, None], size=n, mode="linear", align_corners=False)[0, 0]
    return x


def hz_to_mel(f):
    return 2595.0 * math.log10(1.0 + f / 700.0)


def mel_filterbank(n_fft, n_mels, fmin, fmax, rate=RATE):
    """Triangular HTK mel filters, shape (n_mels, n_fft // 2 + 1)."""
    import torch

    freqs = torch.linspace(0, rate / 2, n_fft // 2 + 1)
    mels = torch.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mels + 2)
    hz = 700.0 * (10 ** (mels / 2595.0) - 1.0)
    lower, centre, upper = hz[:-2, None], hz[1:-1, None], hz[2:, None]
    up = (freqs[None] - lower) / (centre - lower)
    down = (upper - freqs[None]) / (upper - centre)
    return torch.clamp(torch.minimum(up, down), min=0.0)


class LogMel:
    """``x -> log(mel power)``, shape (n_mels, frames)."""

    def __init__(self, n_fft=2048, hop=256, n_mels=96, fmin=60.0, fmax=5000.0):
        import torch

        self.n_fft, self.hop = n_fft, hop
        self.window = torch.hann_window(n_fft)
        self.bank = mel_filterbank(n_fft, n_mels, fmin, fmax)

    def __call__(self, x):
        import torch

        if len(x) < self.n_fft:
            x = torch.nn.functional.pad(x, (0, self.n_fft - len(x)))
        spec = torch.stft(x, self.n_fft, self.hop, window=self.window, return_complex=True).abs() ** 2
        return torch.log(self.bank @ spec + 1e-6)
