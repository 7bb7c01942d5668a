"""Name pools for the sample organisation.

Three pools: English names, Israeli names written in Latin letters, and
Israeli names written in Hebrew script. Every Hebrew-script name carries the
transliteration used to build the e-mail address. A few surnames carry an
apostrophe (O'Brien, D'Souza) because real rosters do.
"""

from __future__ import annotations

ENGLISH_FEMALE = [
    "Emma", "Olivia", "Ava", "Sophia", "Isabella", "Mia", "Charlotte", "Amelia",
    "Harper", "Evelyn", "Abigail", "Emily", "Elizabeth", "Sofia", "Ella", "Grace",
    "Chloe", "Victoria", "Lily", "Hannah", "Zoe", "Nora", "Lucy", "Anna", "Sarah",
    "Laura", "Rachel", "Rebecca", "Jessica", "Megan", "Claire", "Natalie", "Julia",
    "Alice", "Kate", "Helen", "Diana", "Monica", "Sandra", "Karen", "Linda", "Susan",
    "Fiona", "Niamh", "Siobhan", "Priya", "Ana", "Maria", "Elena", "Ingrid",
]
ENGLISH_MALE = [
    "Liam", "Noah", "Oliver", "James", "William", "Benjamin", "Lucas", "Henry",
    "Alexander", "Mason", "Michael", "Ethan", "Daniel", "Jacob", "Logan", "Jackson",
    "Sebastian", "Jack", "Owen", "Samuel", "Matthew", "Joseph", "David", "John",
    "Andrew", "Thomas", "Charles", "Christopher", "Ryan", "Nathan", "Peter", "Paul",
    "Mark", "George", "Edward", "Robert", "Richard", "Kevin", "Brian", "Sean",
    "Patrick", "Connor", "Declan", "Rahul", "Carlos", "Marco", "Lars", "Ivan",
]
ENGLISH_LAST = [
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson",
    "Anderson", "Taylor", "Thomas", "Moore", "Martin", "Jackson", "Thompson", "White",
    "Harris", "Clark", "Lewis", "Robinson", "Walker", "Young", "Allen", "King",
    "Wright", "Scott", "Green", "Baker", "Adams", "Nelson", "Hill", "Campbell",
    "Mitchell", "Roberts", "Carter", "Phillips", "Evans", "Turner", "Parker", "Collins",
    "Edwards", "Stewart", "Morris", "Murphy", "Cook", "Rogers", "Morgan", "Cooper",
    "Peterson", "Bailey", "Reed", "Kelly", "Howard", "Cox", "Ward", "Richardson",
    "Watson", "Brooks", "Wood", "James", "Bennett", "Gray", "Hughes", "Price",
    "Sanders", "Myers", "Long", "Ross", "Foster", "Fischer", "Schneider", "Rossi",
    "Novak", "Kowalski", "Patel", "Sharma", "Garcia", "Martinez", "Silva", "Dubois",
    "O'Brien", "O'Connor", "O'Neill", "D'Souza", "O'Sullivan", "D'Angelo",
]

# Israeli names in Latin letters, as many Hebrew speakers write them at work.
ISRAELI_FEMALE = [
    "Noa", "Maya", "Tamar", "Yael", "Shira", "Michal", "Dana", "Efrat", "Ronit",
    "Hila", "Lior", "Adi", "Inbal", "Keren", "Orly", "Sigal", "Talia", "Yarden",
    "Avital", "Neta", "Galit", "Merav", "Osnat", "Liat", "Noga", "Roni", "Shani",
    "Hadas", "Rivka", "Esther", "Miriam", "Chen", "Moran", "Sapir", "Gal",
]
ISRAELI_MALE = [
    "Omer", "Avi", "Yossi", "Moshe", "David", "Itai", "Eitan", "Noam", "Ariel",
    "Amit", "Yonatan", "Daniel", "Guy", "Tomer", "Ohad", "Ronen", "Eyal", "Gil",
    "Uri", "Yoav", "Nadav", "Shai", "Erez", "Oren", "Assaf", "Elad", "Idan", "Yair",
    "Boaz", "Gadi", "Haim", "Shlomo", "Yaakov", "Barak", "Lior",
]
ISRAELI_LAST = [
    "Cohen", "Levi", "Mizrahi", "Peretz", "Biton", "Dahan", "Avraham", "Friedman",
    "Katz", "Azulay", "Malka", "Hadad", "Amar", "Gabay", "Ohana", "Shapira",
    "Ben David", "Segal", "Golan", "Yosef", "Rosenberg", "Ashkenazi", "Vaknin",
    "Alon", "Harel", "Barak", "Sharabi", "Tal", "Carmi", "Shalom", "Ben-Ami",
    "Navon", "Elbaz", "Zohar", "Levin", "Klein", "Weiss", "Gold", "Rubin", "Kaplan",
]

# Hebrew script with the transliteration used for the e-mail address.
HEBREW_FEMALE = [
    ("נועה", "noa"), ("מאיה", "maya"), ("תמר", "tamar"), ("יעל", "yael"),
    ("שירה", "shira"), ("מיכל", "michal"), ("דנה", "dana"), ("אפרת", "efrat"),
    ("רונית", "ronit"), ("הילה", "hila"), ("עדי", "adi"), ("ענבל", "inbal"),
    ("קרן", "keren"), ("אורלי", "orly"), ("סיגל", "sigal"), ("טליה", "talia"),
    ("ירדן", "yarden"), ("אביטל", "avital"), ("נטע", "neta"), ("גלית", "galit"),
    ("מירב", "merav"), ("אסנת", "osnat"), ("ליאת", "liat"), ("נגה", "noga"),
    ("שני", "shani"), ("הדס", "hadas"), ("רבקה", "rivka"), ("אסתר", "esther"),
    ("מרים", "miriam"), ("ספיר", "sapir"),
]
HEBREW_MALE = [
    ("עומר", "omer"), ("אבי", "avi"), ("יוסי", "yossi"), ("משה", "moshe"),
    ("דוד", "david"), ("איתי", "itai"), ("איתן", "eitan"), ("נועם", "noam"),
    ("אריאל", "ariel"), ("עמית", "amit"), ("יונתן", "yonatan"), ("דניאל", "daniel"),
    ("גיא", "guy"), ("תומר", "tomer"), ("אוהד", "ohad"), ("רונן", "ronen"),
    ("אייל", "eyal"), ("גיל", "gil"), ("אורי", "uri"), ("יואב", "yoav"),
    ("נדב", "nadav"), ("שי", "shai"), ("ארז", "erez"), ("אורן", "oren"),
    ("אסף", "assaf"), ("אלעד", "elad"), ("עידן", "idan"), ("יאיר", "yair"),
    ("בועז", "boaz"), ("חיים", "haim"),
]
HEBREW_LAST = [
    ("כהן", "cohen"), ("לוי", "levi"), ("מזרחי", "mizrahi"), ("פרץ", "peretz"),
    ("ביטון", "biton"), ("דהן", "dahan"), ("אברהם", "avraham"), ("פרידמן", "friedman"),
    ("כץ", "katz"), ("אזולאי", "azulay"), ("מלכה", "malka"), ("חדד", "hadad"),
    ("עמר", "amar"), ("גבאי", "gabay"), ("אוחנה", "ohana"), ("שפירא", "shapira"),
    ("בן דוד", "bendavid"), ("סגל", "segal"), ("גולן", "golan"), ("יוסף", "yosef"),
    ("רוזנברג", "rosenberg"), ("אשכנזי", "ashkenazi"), ("ועקנין", "vaknin"),
    ("אלון", "alon"), ("הראל", "harel"), ("ברק", "barak"), ("שרעבי", "sharabi"),
    ("טל", "tal"), ("כרמי", "carmi"), ("שלום", "shalom"), ("נבון", "navon"),
    ("אלבז", "elbaz"), ("זוהר", "zohar"), ("לוין", "levin"), ("קליין", "klein"),
]
