"""The ordered stages behind small interfaces, chosen by name.

The ingest runner (`pipeline._Run`) works on a chunk of settled articles with two
stages that keep state between chunks: the copy finder and the story clusterer. Each
is made from the store when a run starts (and again after a failure, when the runner
throws the in-memory state away), takes a chunk, and hands back update records that the
runner folds into the chunk's `ChunkWrite`: in the style of river's `learn_one` or
scikit-learn's `partial_fit`, but over chunks.

They are picked by name from a registry (`kabar ingest --stories NAME --copies NAME`).
Adding a clusterer is one module and one call::

    from kabar import stages

    class OwnStories:
        def __init__(self, store: PipelineStore) -> None: ...
        def process(self, articles, features, out: stages.StoryUpdates) -> None: ...

    stages.CLUSTERERS.register("own", OwnStories)

The built-in ones register themselves in their modules (`stories.py`: "online",
`dedup.py`: "minhash"), which a lookup imports first.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar

from kabar.model import Article, ArticleFeatures, ChunkWrite, StoryMerge, StoryWrite

if TYPE_CHECKING:
    from kabar.dedup import ArticleSignature, CopiesResult
    from kabar.store import PipelineStore

DEFAULT_STORIES = "online"
DEFAULT_COPIES = "minhash"


@dataclass
class StoryUpdates:
    """What a clusterer hands back for one chunk; `fold` puts it into the chunk's write."""

    assigned: dict[str, str] = field(default_factory=dict)  # article id -> its story id
    stories: list[StoryWrite] = field(default_factory=list)  # stories new or changed by the chunk
    merges: list[StoryMerge] = field(default_factory=list)
    storylines: dict[str, str] = field(default_factory=dict)  # stored story -> its new storyline
    term_df: dict[str, int] = field(default_factory=dict)  # document frequency increments
    n_docs: int = 0  # increment of the documents counted in `term_df`
    seq: int = 0  # the clusterer's assignment counter after the chunk (0: not kept)

    def fold(self, articles: list[Article], write: ChunkWrite) -> None:
        """Set each article's story and add the rest to `write`. An article the clusterer
        left without a story is its failure (KeyError), which the runner isolates."""
        for a in articles:
            a.story = self.assigned[a.id]
        write.stories.extend(self.stories)
        write.merges.extend(self.merges)
        write.storylines.update(self.storylines)
        write.term_df.update(self.term_df)
        write.n_docs += self.n_docs
        write.seq = self.seq or write.seq


class Clusterer(Protocol):
    """Assigns each chunk's articles to stories, following the stream."""

    def process(self, articles: list[Article], features: list[ArticleFeatures], out: StoryUpdates) -> None:
        """Assign `articles` (with their features, in the same order; an article without
        features has none in the list) and record in `out` every article's story and what
        the store must write. Nothing is stored before the runner writes the chunk."""
        ...


class CopyFinder(Protocol):
    """Marks each chunk's near-duplicates and syndicated paragraphs, following the stream."""

    def process(
        self, articles: list[Article], first_seq: int, signatures: Mapping[str, ArticleSignature] | None = None
    ) -> CopiesResult:
        """Set `duplicate_of` on copies among `articles` (the next to get ingest order
        `first_seq` on), and return the signatures, syndication and stored articles whose
        original changed."""
        ...


S = TypeVar("S")


class UnknownStage(ValueError):
    """A stage name no module registered."""


class Registry(Generic[S]):
    """Named factories of one kind of stage, each made from the store. `modules` are the
    built-in ones' modules, imported on the first lookup so they have registered."""

    def __init__(self, kind: str, modules: tuple[str, ...]) -> None:
        self.kind = kind
        self.modules = modules
        self._factories: dict[str, Callable[[PipelineStore], S]] = {}

    def register(self, name: str, factory: Callable[[PipelineStore], S]) -> None:
        """Make `factory` available as `name`; a name is taken once (re-registering the
        same factory, as a reloaded module does, is fine)."""
        if self._factories.get(name, factory) is not factory:
            raise ValueError(f"{self.kind} {name!r} is already registered")
        self._factories[name] = factory

    def names(self) -> list[str]:
        self._builtins()
        return sorted(self._factories)

    def get(self, name: str) -> Callable[[PipelineStore], S]:
        """The factory registered as `name`; `UnknownStage` names the known ones."""
        self._builtins()
        if name not in self._factories:
            raise UnknownStage(f"unknown {self.kind} {name!r}; known: {', '.join(sorted(self._factories))}")
        return self._factories[name]

    def _builtins(self) -> None:
        for module in self.modules:
            importlib.import_module(module)


CLUSTERERS: Registry[Clusterer] = Registry("story clusterer", ("kabar.stories",))
COPY_FINDERS: Registry[CopyFinder] = Registry("copy finder", ("kabar.dedup",))
