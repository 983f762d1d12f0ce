"""A SYNTHETIC registrations file like the study's round: 77 people (40 consultants, 12 managers,
16 policy officers, 9 ESF coordinators) from many municipalities across the regions (49 in 32 AMRs), a few big
municipalities with several people, and realistic availability over six time slots (most can
come to two to four, some to one, one person to none — as the study's footnote tells of people
who could make none of the dates). Names are made up; addresses end in ``.example`` (RFC 2606)."""

from __future__ import annotations

import random
import unicodedata
from pathlib import Path

import pandas as pd

from kansenspiegel.conversations._codes import role_label
from kansenspiegel.geography import municipalities

STUDY_ROLES = {"consultant": 40, "manager": 12, "policy_officer": 16, "esf_coordinator": 9}
EXAMPLE_SLOTS = ("di 12 jan 10:00", "di 12 jan 14:00", "do 14 jan 10:00", "do 14 jan 14:00", "di 19 jan 10:00", "do 21 jan 14:00")
FIRST = "Anna Bram Chantal Daan Esra Fatima Gert Hanneke Iris Jeroen Karim Lotte Mehmet Nadia Oscar Petra Quinten Rachida Sanne Tom Ufuk Vera Willem Yara Zeynep Bas Ilse Joost Mira Ruud".split()
LAST = "de Vries|Jansen|Bakker|Visser|Smit|Meijer|de Boer|Mulder|de Groot|Bos|Vos|Peters|Hendriks|van Leeuwen|Dekker|Brouwer|de Wit|Dijkstra|Yilmaz|El Amrani|Kaya|Boukhari|van Dijk|Kok|Jacobs|Vermeulen".split(
    "|"
)
#: big municipalities that send several people (the study recruited through central municipalities)
BIG = ("GM0363", "GM0599", "GM0518", "GM0344", "GM0772", "GM0034", "GM0268", "GM0014", "GM0153", "GM0202")


def _ascii(text: str) -> str:
    """Letters and digits only ('s-Gravenhage → sgravenhage)."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return "".join(c for c in plain if c.isalnum())


def example_registrations(seed: int = 2021) -> pd.DataFrame:
    rng = random.Random(seed)
    gm = municipalities()
    # one or two municipalities per region, plus the big ones
    picks: list[str] = []
    for _, part in gm.groupby("amr_code"):
        codes = sorted(part.gm_code)
        picks += rng.sample(codes, min(2, len(codes)))
    names = dict(zip(gm.gm_code, gm.gm_name))
    roles = [r for r, n in STUDY_ROLES.items() for _ in range(n)]
    rng.shuffle(roles)
    rows = []
    used: set[str] = set()
    for i, role in enumerate(roles):
        muni = rng.choice(BIG) if rng.random() < 0.3 else rng.choice(picks)
        while True:
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            if name not in used:
                used.add(name)
                break
        email = f"{_ascii(name.split(' ', 1)[0])}.{_ascii(name.split(' ', 1)[1])}@{_ascii(names[muni])[:20]}.example"
        k = 0 if i == 7 else rng.choices([1, 2, 3, 4], weights=[1, 4, 4, 2])[0]
        slots = sorted(rng.sample(range(1, len(EXAMPLE_SLOTS) + 1), k))
        rows.append([name, email, role_label(role, "nl"), names[muni], ", ".join(map(str, slots))])
    return pd.DataFrame(rows, columns=["naam", "e-mail", "rol", "gemeente", "tijdstippen"])


def write_example_registrations(path: str | Path, seed: int = 2021) -> Path:
    path = Path(path)
    frame = example_registrations(seed)
    if path.suffix.lower() == ".xlsx":
        frame.to_excel(path, index=False)
    else:
        frame.to_csv(path, index=False, sep=";", encoding="utf-8")
    return path
