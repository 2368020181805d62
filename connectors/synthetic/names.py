"""Name, address and organisation pools for the synthetic partnership.

Given and family names reflect England's population (White British, Irish,
Eastern European, South Asian, Black British, Chinese, Arab), with the spelling
variants agencies really record: nicknames, other transliterations, names
without their diacritics. Streets are invented but sound like the Wigan
borough; towns and postcode districts are real, the rest of each postcode is
generated in the real shape ("WN2 4QX"). Schools and practices are invented.
"""

from __future__ import annotations

import random
import re
import unicodedata
import zlib
from dataclasses import dataclass


@dataclass(frozen=True)
class NamePool:
    """Given names by sex and generation, and family names, for one heritage."""

    female_adult: tuple[str, ...]
    male_adult: tuple[str, ...]
    female_child: tuple[str, ...]
    male_child: tuple[str, ...]
    family: tuple[str, ...]
    female_elder: tuple[str, ...] = ()
    male_elder: tuple[str, ...] = ()

    def given(self, rng: random.Random, female: bool, generation: str) -> str:
        """A given name; ``generation`` is "child", "adult" or "elder"."""
        if generation == "child":
            names = self.female_child if female else self.male_child
        elif generation == "elder" and self.female_elder:
            names = self.female_elder if female else self.male_elder
        else:
            names = self.female_adult if female else self.male_adult
        return rng.choice(names)


def _split(text: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in text.split(",") if name.strip())


#: Given names of children born since about 2008 in England, any heritage.
_BRITISH_GIRLS = _split(
    "Olivia, Amelia, Isla, Ava, Lily, Freya, Poppy, Sophia, Grace, Evie, Ivy, Florence, Rosie,"
    " Mia, Isabella, Ella, Emily, Willow, Daisy, Sienna, Phoebe, Matilda, Elsie, Harper, Millie,"
    " Ruby, Scarlett, Maisie, Lola, Layla, Esme, Erin, Holly, Megan, Jessica, Charlotte, Chloe,"
    " Lily-Rose, Lacey-Mae, Summer, Alice, Elizabeth, Isabelle, Eleanor, Darcie, Bonnie, Abigail"
)
_BRITISH_BOYS = _split(
    "Oliver, George, Noah, Arthur, Leo, Oscar, Harry, Jack, Charlie, Jacob, Thomas, Freddie,"
    " Alfie, Theo, Archie, Henry, Joshua, William, James, Ethan, Logan, Mason, Riley, Lucas,"
    " Finley, Teddy, Tommy, Reggie, Alexander, Samuel, Daniel, Joseph, Max, Harrison,"
    " Frederick, Jayden, Tyler, Kai, Callum, Lewis, Dylan, Benjamin, Edward, Matthew"
)

POOLS: dict[str, NamePool] = {
    "white_british": NamePool(
        female_adult=_split(
            "Sarah, Emma, Gemma, Danielle, Kelly, Laura, Lisa, Rebecca, Stacey, Jade, Chloe, Amy,"
            " Hayley, Natalie, Claire, Nicola, Joanne, Michelle, Samantha, Victoria, Katherine,"
            " Jessica, Charlotte, Leanne, Kirsty, Lauren, Sophie, Hannah, Megan, Jennifer,"
            " Elizabeth, Catherine, Louise, Donna, Tracey, Zoe, Shannon, Courtney, Bethany,"
            " Abigail, Deborah, Amanda, Karen"
        ),
        male_adult=_split(
            "David, Paul, Mark, Andrew, Michael, Christopher, Daniel, James, Matthew, Robert,"
            " Steven, Stephen, Richard, Thomas, Anthony, Lee, Craig, Carl, Gary, Wayne, Dean,"
            " Jason, Darren, Ryan, Jamie, Liam, Nathan, Adam, Scott, Kyle, Jordan, Connor, Joshua,"
            " Jonathan, Benjamin, Samuel, Joseph, William, Kevin, Neil, Shaun, Simon, Peter"
        ),
        female_child=_BRITISH_GIRLS,
        male_child=_BRITISH_BOYS,
        family=_split(
            "Smith, Jones, Taylor, Brown, Williams, Wilson, Johnson, Davies, Robinson, Wright,"
            " Thompson, Evans, Walker, White, Roberts, Green, Hall, Wood, Jackson, Clarke, Hughes,"
            " Edwards, Turner, Baxter, Atherton, Heyes, Unsworth, Fairhurst, Prescott, Hilton,"
            " Winstanley, Ashurst, Calderbank, Gaskell, Greenall, Aspinall, Pennington, Ramsden,"
            " Lowe, Holden, Dootson, Seddon, Bibby, Rigby, Marsh, Cunliffe, Tickle, Banks,"
            " Worthington, Parkinson, Marsden, Hart, Moss, Tyrer, Hesketh, Shaw, Harrison, Ward,"
            " Morris, Mercer, Melling, Kay, Pilkington, Bradshaw, Whittle, Calder, Hodgkinson"
        ),
        female_elder=_split(
            "Margaret, Susan, Patricia, Linda, Christine, Pauline, Barbara, Jean, Carol, Janet,"
            " Elaine, Sandra, Maureen, Julie, Denise"
        ),
        male_elder=_split(
            "John, Peter, Brian, Alan, Keith, Derek, Ronald, Kenneth, Graham, Colin, Trevor,"
            " Philip, Malcolm, Barry, Geoffrey"
        ),
    ),
    "irish": NamePool(
        female_adult=_split(
            "Siobhan, Niamh, Aoife, Ciara, Roisin, Sinead, Aisling, Orla, Mairead, Bridget,"
            " Grainne, Caoimhe"
        ),
        male_adult=_split(
            "Sean, Ciaran, Padraig, Declan, Eoin, Cian, Niall, Conor, Liam, Darragh, Oisin,"
            " Cormac, Patrick, Michael"
        ),
        female_child=_split("Aoife, Niamh, Orla, Cara, Saoirse, Ciara, Erin, Grace, Ella, Sophie"),
        male_child=_split("Cillian, Oisin, Fionn, Darragh, Ronan, Cian, Jack, Conor, Sean, Liam"),
        family=_split(
            "Murphy, Kelly, O'Brien, Byrne, Ryan, O'Connor, O'Neill, Doyle, McCarthy, Gallagher,"
            " Walsh, Kennedy, Lynch, Quinn, Brennan, O'Sullivan, McLoughlin, Fitzgerald,"
            " Flanagan, Donnelly"
        ),
    ),
    "eastern_european": NamePool(
        female_adult=_split(
            "Agnieszka, Małgorzata, Katarzyna, Joanna, Magdalena, Monika, Ewa, Anna, Justyna,"
            " Aleksandra, Ioana, Andreea, Elena, Mihaela, Rasa, Jurgita, Ieva, Olena, Yuliia"
        ),
        male_adult=_split(
            "Łukasz, Tomasz, Piotr, Krzysztof, Paweł, Marcin, Michał, Wojciech, Jakub, Andrzej,"
            " Mateusz, Andrei, Mihai, Ionuț, Florin, Bogdan, Tomas, Mindaugas, Darius, Oleksandr,"
            " Serhiy, Dmytro"
        ),
        female_child=_split(
            "Zuzanna, Julia, Maja, Zofia, Lena, Hanna, Amelia, Natalia, Emilia, Ana, Sofia, Maria"
        ),
        male_child=_split(
            "Jakub, Szymon, Filip, Antoni, Kacper, Jan, Mikołaj, Aleksander, David, Luca, Matei,"
            " Nojus"
        ),
        family=_split(
            "Nowak, Kowalski, Wiśniewski, Wójcik, Kowalczyk, Kamiński, Lewandowski, Zieliński,"
            " Szymański, Woźniak, Dąbrowski, Kozłowski, Mazur, Krawczyk, Popescu, Ionescu, Popa,"
            " Dumitru, Constantin, Shevchenko, Kovalenko, Bondarenko, Tkachenko"
        ),
    ),
    "south_asian": NamePool(
        female_adult=_split(
            "Aisha, Fatima, Ayesha, Nadia, Sadia, Shazia, Samina, Rukhsana, Nazia, Amina, Saima,"
            " Priya, Anjali, Sunita, Pooja, Harpreet, Gurpreet, Manpreet, Rekha, Farzana, Shabana,"
            " Tahmina, Nasreen, Mehreen"
        ),
        male_adult=_split(
            "Mohammed, Imran, Asif, Tariq, Zahid, Kamran, Adnan, Faisal, Shahid, Amir, Rajesh,"
            " Sanjay, Vikram, Arjun, Rahul, Gurdeep, Jaspal, Sukhdev, Abdul, Hamza, Yasir, Naveed,"
            " Rizwan"
        ),
        female_child=_split(
            "Aisha, Maryam, Zainab, Hafsa, Inaya, Anaya, Aleena, Amira, Sana, Zara, Simran, Priya,"
            " Aanya, Riya, Yasmin, Noor, Hania"
        ),
        male_child=_split(
            "Muhammad, Mohammed, Yusuf, Ibrahim, Zayn, Ayaan, Rayyan, Hamza, Adam, Ismail, Arjun,"
            " Aarav, Rohan, Veer, Arman, Zakariya"
        ),
        family=_split(
            "Khan, Ahmed, Hussain, Ali, Akhtar, Mahmood, Rahman, Iqbal, Shah, Patel, Singh, Sandhu,"
            " Gill, Dhillon, Sharma, Chaudhry, Malik, Miah, Uddin, Islam, Rashid, Qureshi, Butt,"
            " Javed, Aslam, Anwar, Kumar, Mistry, Parmar"
        ),
    ),
    "black_british": NamePool(
        female_adult=_split(
            "Grace, Blessing, Chipo, Ngozi, Amara, Adaeze, Chioma, Funmilayo, Abena, Akosua,"
            " Esther, Precious, Marcia, Sharon, Tanisha, Keisha, Shanice, Jasmine, Patience, Faith,"
            " Hodan, Ayan, Khadra"
        ),
        male_adult=_split(
            "Emmanuel, Chinedu, Oluwaseun, Tunde, Kwame, Kofi, Samuel, Daniel, Michael, Tendai,"
            " Tatenda, Themba, Delroy, Leon, Marcus, Andre, Jermaine, Tyrone, Winston, Joseph,"
            " Abdirahman, Abdullahi, Mahad"
        ),
        female_child=_split(
            "Amara, Chloe, Zara, Precious, Esther, Nia, Imani, Tiana, Adaeze, Favour, Kemi, Ruby,"
            " Amelia, Hodan"
        ),
        male_child=_split(
            "David, Joshua, Daniel, Emmanuel, Jayden, Elijah, Malachi, Tobi, Femi, Kofi, Marcus,"
            " Reuben, Isaac, Abdirahman"
        ),
        family=_split(
            "Okafor, Okonkwo, Adeyemi, Mensah, Boateng, Asante, Osei, Owusu, Nwosu, Eze, Adebayo,"
            " Moyo, Ncube, Dube, Campbell, Williams, Thomas, Clarke, Francis, Grant, Bailey, Henry,"
            " Stewart, Morgan, Abdi, Farah, Hassan, Mohamud, Warsame"
        ),
    ),
    "chinese": NamePool(
        female_adult=_split("Mei, Xiaoling, Ying, Jing, Hui, Yan, Lan, Wendy, Winnie, Ka Yan"),
        male_adult=_split("Wei, Jun, Hao, Jian, Ming, Lei, Tao, Kwok Wai, Kevin, Raymond"),
        female_child=_split("Chloe, Emily, Grace, Mia, Zoe, Yuxin, Zihan, Ruoxi, Isabella"),
        male_child=_split("Zihao, Yichen, Haoran, Ethan, Lucas, Ryan, Max, Oscar"),
        family=_split(
            "Wang, Wong, Li, Lee, Zhang, Cheung, Chen, Chan, Liu, Lau, Yang, Zhou, Lin, Lam, Ho,"
            " Tang"
        ),
    ),
    "arab": NamePool(
        female_adult=_split("Fatima, Mariam, Noor, Huda, Rania, Layla, Yasmin, Amal, Salma, Rana"),
        male_adult=_split(
            "Ahmed, Omar, Khalid, Mahmoud, Yousef, Hassan, Ali, Karim, Samir, Tariq, Hamid"
        ),
        female_child=_split("Maryam, Jana, Lina, Sara, Hana, Malak, Layla, Aya"),
        male_child=_split("Adam, Yusuf, Omar, Zaid, Kareem, Ilyas, Ali, Hamza"),
        family=_split(
            "Al-Sayed, Haddad, Nasser, Mansour, Saleh, Abdullah, Ibrahim, Hamdan, Al-Hashimi,"
            " Khalil, Aziz, Darwish, Saeed"
        ),
    ),
}

#: Heritage weights: England and Wales 2021 census proportions, rounded.
HERITAGE_WEIGHTS: dict[str, int] = {
    "white_british": 74,
    "irish": 2,
    "eastern_european": 6,
    "south_asian": 9,
    "black_british": 4,
    "chinese": 1,
    "arab": 1,
}

#: Everyday short forms agencies record instead of the registered given name.
NICKNAMES: dict[str, tuple[str, ...]] = {
    "William": ("Will", "Billy"),
    "Robert": ("Rob", "Bobby"),
    "Elizabeth": ("Liz", "Beth", "Lizzie"),
    "Thomas": ("Tom", "Tommy"),
    "James": ("Jim", "Jamie"),
    "Michael": ("Mike", "Mick"),
    "Christopher": ("Chris",),
    "Daniel": ("Dan", "Danny"),
    "Samuel": ("Sam", "Sammy"),
    "Joseph": ("Joe", "Joey"),
    "Jessica": ("Jess",),
    "Rebecca": ("Becky", "Becca"),
    "Katherine": ("Kate", "Katie"),
    "Catherine": ("Cathy", "Kate"),
    "Alexander": ("Alex",),
    "Aleksander": ("Olek",),
    "Benjamin": ("Ben",),
    "Matthew": ("Matt",),
    "Jonathan": ("Jon", "Jonny"),
    "Victoria": ("Vicky", "Tori"),
    "Samantha": ("Sam", "Sammie"),
    "Anthony": ("Tony", "Ant"),
    "Stephen": ("Steve",),
    "Steven": ("Steve",),
    "Deborah": ("Debbie", "Debs"),
    "Jennifer": ("Jen", "Jenny"),
    "Charlotte": ("Charlie", "Lottie"),
    "Oliver": ("Ollie",),
    "Frederick": ("Freddie", "Fred"),
    "Harrison": ("Harry",),
    "Joshua": ("Josh",),
    "Nathan": ("Nate",),
    "Andrew": ("Andy", "Drew"),
    "David": ("Dave",),
    "Richard": ("Rich", "Rick"),
    "Abigail": ("Abbie", "Abi"),
    "Isabella": ("Bella", "Izzy"),
    "Isabelle": ("Izzy",),
    "Eleanor": ("Ellie", "Nell"),
    "Florence": ("Flo",),
    "Matilda": ("Tilly",),
    "Edward": ("Ed", "Eddie"),
    "Margaret": ("Maggie", "Peggy"),
    "Susan": ("Sue",),
    "Patricia": ("Pat", "Trish"),
    "Natalie": ("Nat",),
    "Danielle": ("Dani",),
    "Gemma": ("Gem",),
    "Nicola": ("Nicky",),
    "Joanne": ("Jo",),
    "Jacob": ("Jake",),
    "Lily-Rose": ("Lily",),
    "Lacey-Mae": ("Lacey",),
    "Aleksandra": ("Ola",),
    "Małgorzata": ("Gosia",),
    "Katarzyna": ("Kasia",),
    "Wojciech": ("Wojtek",),
    "Krzysztof": ("Krzys",),
    "Tomasz": ("Tomek",),
    "Jakub": ("Kuba",),
    "Oluwaseun": ("Seun",),
    "Funmilayo": ("Funmi",),
    "Abdirahman": ("Abdi",),
    "Mohammed": ("Mo",),
    "Muhammad": ("Mo",),
    "Patrick": ("Paddy", "Pat"),
}

#: Groups of spellings of one name in different transliterations or romanisations.
_VARIANT_GROUPS: tuple[tuple[str, ...], ...] = (
    ("Mohammed", "Muhammad", "Mohammad", "Mohamed", "Muhammed"),
    ("Ahmed", "Ahmad"),
    ("Yusuf", "Yousef", "Yousuf"),
    ("Hussain", "Hussein", "Husain"),
    ("Aisha", "Ayesha", "Aysha"),
    ("Fatima", "Fatimah"),
    ("Maryam", "Mariam", "Maryum"),
    ("Zainab", "Zaynab"),
    ("Ibrahim", "Ebrahim"),
    ("Ismail", "Ismael"),
    ("Zakariya", "Zakaria", "Zakariyya"),
    ("Abdirahman", "Abdulrahman"),
    ("Chaudhry", "Choudhury", "Chowdhury", "Chaudhary"),
    ("Mahmood", "Mahmud", "Mehmood", "Mahmoud"),
    ("Rahman", "Rehman"),
    ("Qureshi", "Kureshi"),
    ("Miah", "Meah"),
    ("Yasmin", "Yasmeen", "Yasmine"),
    ("Khalid", "Khaled"),
    ("Omar", "Umar"),
    ("Hassan", "Hasan"),
    ("Karim", "Kareem"),
    ("Saeed", "Sayeed"),
    ("Mohamud", "Mohamoud", "Mahamud"),
    ("Abdullahi", "Abdulahi"),
    ("Al-Sayed", "El-Sayed", "Elsayed"),
    ("Al-Hashimi", "Al-Hashemi"),
    ("Oleksandr", "Aleksandr", "Olexandr"),
    ("Serhiy", "Sergiy", "Sergei"),
    ("Yuliia", "Yulia", "Iuliia"),
    ("Dmytro", "Dmitro", "Dmitry"),
    ("Shevchenko", "Chevchenko"),
    ("Chen", "Chan"),
    ("Li", "Lee"),
    ("Liu", "Lau"),
    ("Zhang", "Cheung"),
    ("Zhou", "Chow"),
    ("Wang", "Wong"),
    ("Sean", "Shaun"),
    ("Niamh", "Neve"),
)

_VARIANTS: dict[str, tuple[str, ...]] = {
    name: tuple(other for other in group if other != name)
    for group in _VARIANT_GROUPS
    for name in group
}

_NON_DECOMPOSING = str.maketrans({"Ł": "L", "ł": "l", "Ø": "O", "ø": "o", "ß": "ss"})


def fold_diacritics(name: str) -> str:
    """``name`` in plain ASCII letters, as a system without diacritics stores it."""
    if name.isascii():
        return name
    decomposed = unicodedata.normalize("NFKD", name.translate(_NON_DECOMPOSING))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def transliteration_variants(name: str) -> tuple[str, ...]:
    """Other spellings of ``name`` that agencies record: romanisations, no diacritics.

    Names with an apostrophe (O'Brien) also appear without it (OBrien, O Brien).
    """
    variants = list(_VARIANTS.get(name, ()))
    folded = fold_diacritics(name)
    if folded != name:
        variants.append(folded)
    if "'" in name:
        variants.extend((name.replace("'", ""), name.replace("'", " ")))
    return tuple(variants)


def nicknames(name: str) -> tuple[str, ...]:
    """Short forms of the given name ``name`` (empty if none is common)."""
    return NICKNAMES.get(name, ())


def gendered_family_name(name: str, female: bool) -> str:
    """The form of ``name`` for a woman or a man: Polish -ski/-cki names change for women."""
    if not female:
        return name
    return "-".join(
        part[:-1] + "a" if part.endswith(("ski", "cki", "dzki")) else part
        for part in name.split("-")
    )


# Places -----------------------------------------------------------------------------------------

#: Real towns of the Wigan borough, roughly by population, and their real postcode districts.
#: Atherton, Tyldesley and Golborne lie outside the WN area (M46, M29, WA3) in reality.
TOWN_WEIGHTS: dict[str, int] = {
    "Wigan": 30,
    "Leigh": 16,
    "Hindley": 8,
    "Ince": 5,
    "Pemberton": 5,
    "Standish": 5,
    "Atherton": 8,
    "Tyldesley": 6,
    "Golborne": 4,
    "Ashton-in-Makerfield": 9,
}

TOWN_DISTRICTS: dict[str, tuple[str, ...]] = {
    "Wigan": ("WN1", "WN3", "WN6"),
    "Leigh": ("WN7",),
    "Hindley": ("WN2",),
    "Ince": ("WN2",),
    "Pemberton": ("WN5",),
    "Standish": ("WN6",),
    "Atherton": ("M46",),
    "Tyldesley": ("M29",),
    "Golborne": ("WA3",),
    "Ashton-in-Makerfield": ("WN4",),
}

#: Towns the north and south area social work teams cover (an invented split of the borough).
NORTH_TOWNS = ("Wigan", "Pemberton", "Standish", "Hindley", "Ince")

_STREET_STEMS = _split(
    "Alderbrook, Ashfold, Bankfield, Barnfold, Beechcroft, Blackthorn, Bobbin, Bramble,"
    " Brookfold, Brooklands, Carrfield, Cherry Tree, Cinder, Clough, Coalpit, Colliery,"
    " Coppice, Cottonfield, Crossfield, Dovecote, Elmridge, Fairfield, Fernlea, Foundry,"
    " Gorse, Hawthorn, Heathfield, Heyfold, Highfield, Hollinhurst, Hollybank, Kestrel,"
    " Kingfisher, Larkfield, Leafield, Lockside, Loom, Lowfield, Maple, Meadowbank, Millbrook,"
    " Millstone, Moorside, Mossfield, Mossbank, Northfold, Oakridge, Orchard, Pennyfold,"
    " Pithead, Poplar, Primrose, Quarry, Redbrook, Rowan, Rushfield, Sandybrook, Shuttle,"
    " Spindle, Springfield, Stonecross, Sycamore, Tanyard, Thornfield, Towpath, Waggon,"
    " Weavers, Wharfside, Willowbank, Windmill, Woodfold, Yew Tree"
)
_STREET_KINDS = _split(
    "Road, Street, Street, Lane, Close, Close, Avenue, Drive, Grove, Way, Crescent, Court,"
    " Walk, Mews, Terrace, Gardens, Place, Brow, Rise, View"
)
_BLOCK_KINDS = ("House", "Court", "Heights", "Lodge")

#: Letters used in the inward code's unit (Royal Mail never uses C, I, K, M, O or V there).
_UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"

POSTCODE_PATTERN = re.compile(r"^[A-Z]{1,2}[0-9][0-9A-Z]? [0-9][ABD-HJLNP-UW-Z]{2}$")


def street_name(rng: random.Random) -> str:
    """An invented street name, e.g. "Larkfield Close"."""
    return f"{rng.choice(_STREET_STEMS)} {rng.choice(_STREET_KINDS)}"


def block_name(rng: random.Random) -> str:
    """An invented block of flats, e.g. "Kestrel House"."""
    return f"{rng.choice(_STREET_STEMS)} {rng.choice(_BLOCK_KINDS)}"


def postcode(town: str, street: str, house_number: int) -> str:
    """The postcode of a house: the same street and stretch of it always get the same one.

    About a dozen neighbouring houses share a postcode unit, as in Royal Mail's data.
    """
    digest = zlib.crc32(f"{town}|{street}|{house_number // 12}".encode())
    districts = TOWN_DISTRICTS[town]
    district = districts[digest % len(districts)]
    digest //= len(districts)
    sector = digest % 10
    digest //= 10
    first = _UNIT_LETTERS[digest % len(_UNIT_LETTERS)]
    second = _UNIT_LETTERS[(digest // len(_UNIT_LETTERS)) % len(_UNIT_LETTERS)]
    return f"{district} {sector}{first}{second}"


# Organisations ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class School:
    """An invented school; ``establishment`` is its 4-digit DfE number (2xxx primary)."""

    name: str
    town: str
    phase: str
    establishment: int


SCHOOLS: tuple[School, ...] = (
    School("Brookfold Primary School", "Wigan", "primary", 2114),
    School("Larkfield Primary School", "Wigan", "primary", 2127),
    School("St Aelred's Catholic Primary School", "Wigan", "primary", 3341),
    School("Millbrook Community Primary School", "Pemberton", "primary", 2150),
    School("Heyfold Church of England Primary School", "Standish", "primary", 3318),
    School("Mossfield Primary School", "Hindley", "primary", 2162),
    School("Coalpit Lane Primary School", "Ince", "primary", 2171),
    School("Spindle Street Primary School", "Leigh", "primary", 2183),
    School("Weavers Green Primary School", "Leigh", "primary", 2190),
    School("St Cuthbert's Catholic Primary School", "Leigh", "primary", 3372),
    School("Lockside Primary School", "Atherton", "primary", 2205),
    School("Shuttle Brook Primary School", "Tyldesley", "primary", 2211),
    School("Windmill Primary School", "Golborne", "primary", 2224),
    School("Redbrook Primary School", "Ashton-in-Makerfield", "primary", 2236),
    School("Brookfold High School", "Wigan", "secondary", 4102),
    School("Pennyfold Academy", "Wigan", "secondary", 4119),
    School("Highfield Church of England High School", "Standish", "secondary", 4623),
    School("Moorside High School", "Hindley", "secondary", 4131),
    School("Canal Side Academy", "Leigh", "secondary", 4144),
    School("Atherton Fold High School", "Atherton", "secondary", 4156),
    School("Tanyard Academy", "Tyldesley", "secondary", 4163),
    School("Makerfield Park High School", "Ashton-in-Makerfield", "secondary", 4178),
)

GP_PRACTICES: tuple[str, ...] = (
    "Larkfield Medical Practice",
    "Brookfold Surgery",
    "Mossfield Health Centre",
    "Kestrel Family Practice",
    "Millbrook Medical Centre",
    "Weavers Surgery",
    "Orchard Lane Medical Practice",
    "Redbrook Health Centre",
)

NURSERIES: tuple[str, ...] = (
    "Little Acorns Day Nursery",
    "Bobbin Lane Nursery",
    "Rainbow Tots Pre-school",
    "Willowbank Children's Centre Nursery",
)
