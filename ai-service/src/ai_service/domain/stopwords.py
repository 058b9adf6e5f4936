"""Common English words that say little about what a book is about."""
from __future__ import annotations

STOPWORDS = frozenset([
    "a", "about", "above", "after", "again", "against", "all", "almost", "also", "although",
    "always", "am", "among", "an", "and", "another", "any", "anyone", "anything", "are", "around",
    "as", "at", "away", "back", "be", "became", "because", "become", "been", "before", "being",
    "below", "between", "both", "but", "by", "came", "can", "cannot", "could", "did", "do", "does",
    "doing", "done", "down", "during", "each", "either", "else", "enough", "even", "ever", "every",
    "few", "for", "from", "further", "get", "gets", "got", "had", "has", "have", "having", "he",
    "her", "here", "hers", "herself", "him", "himself", "his", "how", "however", "i", "if", "in",
    "into", "is", "it", "its", "itself", "just", "least", "less", "like", "made", "make", "many",
    "may", "me", "might", "mine", "more", "most", "much", "must", "my", "myself", "neither",
    "never", "no", "nor", "not", "nothing", "now", "of", "off", "often", "on", "once", "one",
    "only", "onto", "or", "other", "others", "otherwise", "our", "ours", "ourselves", "out",
    "over", "own", "per", "perhaps", "quite", "rather", "really", "said", "same", "say", "says",
    "see", "seem", "seemed", "seems", "shall", "she", "should", "since", "so", "some", "something",
    "still", "such", "than", "that", "the", "their", "theirs", "them", "themselves", "then",
    "there", "these", "they", "thing", "things", "this", "those", "though", "through", "thus",
    "till", "to", "too", "toward", "towards", "under", "until", "up", "upon", "us", "very", "was",
    "way", "we", "well", "went", "were", "what", "whatever", "when", "where", "whether", "which",
    "while", "who", "whom", "whose", "why", "will", "with", "within", "without", "would", "yet",
    "you", "your", "yours", "yourself", "yourselves"
])
