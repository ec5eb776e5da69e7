"""The cue lexicons: which words and phrases make each family of :mod:`training.cues`.

Data only, kept apart from the matching code. ``{a|b}`` lists alternatives; a phrase
of two or more words is matched as a contiguous run of tokens. Changing anything here
changes the cue fingerprint, so models trained before the change are refused at load.
"""

from __future__ import annotations

__all__ = ["CUE_FAMILIES", "CUE_COMBINATIONS", "SHAPE_FAMILIES", "SIDE_FAMILIES"]

#: Family -> phrases. Order fixes the feature columns.
CUE_FAMILIES: dict[str, tuple[str, ...]] = {
    "official_actor": (
        "minister", "ministers", "ministry", "ministries", "president", "presidential", "government",
        "{spokesman|spokeswoman|spokesmen|spokeswomen|spokesperson|spokespeople}", "official", "officials",
        "police", "army", "military", "armed forces", "department", "agency", "authority", "authorities",
        "council", "mayor", "governor", "commission", "commissioner", "regulator", "court", "judge",
        "prosecutor", "prosecutors", "senator", "senators", "lawmaker", "lawmakers", "parliament",
        "congress", "cabinet", "chancellor", "secretary", "state media", "state television", "embassy",
        "central bank", "chief executive", "chairman", "chairwoman",
        "board", "company", "firm", "club", "manager", "coach", "union", "party", "campaign", "federation",
        "league", "white house", "kremlin", "downing street", "pentagon", "electoral",
        "statement", "press release", "press conference", "briefing", "officer", "officers", "general",
        "commander", "prime minister", "premier", "chief", "director", "head of",
    ),  # plus the upper-case acronyms of _ACRONYMS, matched on the text ("WHO", not "who")
    "neutral_reporting_verb": (
        "said", "says", "say", "told", "tells", "stated", "states", "added", "adds", "explained", "noted",
        "wrote", "writes", "according to", "{speaking|talking} to", "in a statement",
    ),
    "assertive_reporting_verb": (
        "{insist|insists|insisted}", "{claim|claims|claimed}", "{vow|vows|vowed}", "{pledge|pledges|pledged}",
        "{promise|promises|promised}", "{accuse|accuses|accused}", "{blame|blames|blamed}",
        "{announce|announces|announced}", "{order|orders|ordered}", "{urge|urges|urged}", "{warn|warns|warned}",
        "{confirm|confirms|confirmed}", "{declare|declares|declared}", "{maintain|maintains|maintained}",
        "{argue|argues|argued}", "{call|calls|called} {for|on}", "{demand|demands|demanded}",
        "{condemn|condemns|condemned}", "{describe|describes|described}", "{admit|admits|admitted}",
        "{acknowledge|acknowledges|acknowledged}", "{assert|asserts|asserted}", "{defend|defends|defended}",
        "{welcome|welcomes|welcomed}", "{praise|praises|praised}", "{criticise|criticised|criticize|criticized}",
        "{ask|asks|asked}", "{want|wants}", "{allege|alleges|alleged} that",
    ),
    "denial_verb": (
        "{deny|denies|denied}", "{reject|rejects|rejected}", "{dismiss|dismisses|dismissed}",
        "{refute|refutes|refuted}", "{rebuff|rebuffed}", "played down", "no truth", "baseless", "fake news",
        "false", "untrue", "{refuse|refuses|refused} to", "{decline|declines|declined} to",
    ),
    "according_to": ("according to",),
    "anonymous_source": (
        "source", "sources", "insider", "insiders", "people familiar", "person familiar", "familiar with",
        "condition of anonymity", "not authorised to", "not authorized to", "asked not to be named",
        "declined to be named", "requested anonymity", "unnamed", "anonymous", "anonymously", "one official",
        "an official", "{people|person|someone|those|aides|allies|friends|figures|sources|source} close to",
    ),
    "diffuse_source": (
        "post", "posts", "posted", "online", "social media", "viral", "{circulate|circulates|circulated|circulating}",
        "shared", "whatsapp", "telegram", "tiktok", "facebook", "twitter", "forum", "forums", "message",
        "messages", "video", "videos", "word spread", "gossip", "whisper", "whispers", "chatter", "conspiracy",
        "theory", "theories", "users", "speculation", "talk", "grapevine", "{locals|residents} say",
    ),
    "unverified_flag": (
        "unconfirmed", "unverified", "rumour", "rumours", "rumor", "rumors", "rumoured", "rumored",
        "reportedly", "allegedly", "purportedly", "supposedly",
        "{is|are|was|were} said to", "{is|are|was|were} reported to", "{is|are|was|were} {rumoured|rumored}",
        "according to {reports|unconfirmed reports|media reports|press reports|local reports|news reports}",
        "reports {say|said|suggest|suggested|claim|claimed}", "it is claimed", "could not be verified",
        "could not be independently verified", "not been verified", "there are suggestions",
        "{i'm|im|we're|i|we|am|are} hearing", "hearing {that|reports|rumours|rumors}",
        "we are getting reports", "getting reports",
    ),
    "hedge_modal": (
        "may", "might", "could", "would", "perhaps", "possible", "possibly", "probable", "probably", "likely",
        "unlikely", "{appear|appears} to", "{seem|seems} to", "seemingly", "apparently", "potential",
        "potentially", "risk", "fear", "fears", "feared", "uncertain", "uncertainty", "unclear", "whether",
        "remains to be seen", "suggest", "suggests", "possibility", "chance", "chances",
    ),
    "forecast": (
        "{is|are|was|were} expected to", "expect", "expects", "expected", "forecast", "forecasts",
        "{predict|predicts|predicted}", "{is|are} set to", "on course to", "on track to",
        "{is|are|was|were} {thought|believed|feared|estimated|tipped|poised|understood} to", "will", "won't",
        "going to", "next {week|month|year|season}", "if", "unless", "should", "outlook", "prospect",
        "prospects", "in the coming {days|weeks|months|years}",
    ),
    "belief": (
        "{believe|believes|believed}", "think", "thinks", "thought", "suspected",
        # "suspect" is mostly a noun in news ("the suspect"); as a verb it follows its subject.
        "{i|we|they|you|police|detectives|investigators|officials|experts|scientists|doctors|many|some} {suspect}",
        "{he|she|it|police} suspects",
        "{estimate|estimates|estimated}", "guess", "{speculate|speculates|speculated}", "hypothesis",
        "doubt", "doubts", "doubtful", "{wonder|wonders|wondered}", "{hope|hopes|hoped}",
    ),
    "evidence_record": (
        "{record|records} {show|showed|shows}", "data {show|showed|shows|from|published}",
        "figures {show|showed|shows|from|published}", "{study|studies} {found|showed|published}", "a study",
        "survey", "found that", "footage", "{document|documents} {show|showed|seen}", "court records",
        "court documents", "court papers", "filings", "analysis of", "analysis by", "census", "statistics",
        "audit", "published", "confirmed by", "later confirmed", "investigation found", "photographs",
        "photos", "images", "report found", "records",
        "{report|document|letter|filing|emails|e-mails} {shows|showed|states|stated|says}",
    ),
    "named_outlet": (
        "reported", "newspaper", "the times", "guardian", "reuters", "bbc", "associated press", "afp", "cnn",
        "understands", "told the", "interview", "journal", "post", "television", "radio", "channel",
    ),
    "first_person": ("we", "our", "us", "i", "my", "me"),
    # Speakers the guide says are not official: what they state as fact is an attributed fact.
    "private_speaker": (
        "professor", "dr", "expert", "experts", "analyst", "analysts", "researcher", "researchers", "scientist",
        "scientists", "economist", "economists", "historian", "author", "novelist", "artist", "curator",
        "columnist", "critic", "witness", "witnesses", "eyewitness", "eyewitnesses", "resident", "residents",
        "neighbour", "neighbor", "neighbours", "neighbors", "fan", "fans", "owner", "shopkeeper", "student",
        "students", "parent", "parents", "mother", "father", "survivor", "survivors", "relative", "relatives",
        "victim", "victims", "former", "retired", "lecturer", "doctor", "nurse", "teacher", "volunteer",
        "passenger", "passengers", "customer", "customers", "worker", "workers", "farmer", "farmers", "defendant",
    ),
}

#: Pairs of families whose co-occurrence is a feature of its own.
CUE_COMBINATIONS: tuple[tuple[str, str], ...] = (
    ("official_actor", "neutral_reporting_verb"),
    ("official_actor", "assertive_reporting_verb"),
    ("official_actor", "denial_verb"),
    ("official_actor", "hedge_modal"),
    ("private_speaker", "neutral_reporting_verb"),
    ("private_speaker", "quotation"),
    ("anonymous_source", "neutral_reporting_verb"),
    ("anonymous_source", "forecast"),
    ("diffuse_source", "unverified_flag"),
    ("quotation", "official_actor"),
    ("quotation", "hedge_modal"),
    ("denial_verb", "unverified_flag"),
    ("frame_subject_said", "hedge_modal"),
    ("post_marker", "unverified_flag"),
)

#: Families computed from the raw text rather than a lexicon.
SHAPE_FAMILIES = ("frame_subject_said", "frame_said_subject", "post_marker", "number", "quotation", "question")

#: Families counted a second time inside side clauses (:mod:`training.clauses`).
SIDE_FAMILIES = ("unverified_flag", "diffuse_source", "anonymous_source", "hedge_modal", "forecast", "belief",
                 "official_actor")
